using Marten;
using Npgsql;
using WinBack.Api.Infrastructure.Http;
using WinBack.Api.Infrastructure.Postgres;

namespace WinBack.Api.Infrastructure.Marten;

/// <summary>
/// Marten documents read and written as plain statements, for the group commit's transaction (<see cref="OneTripCommit"/>),
/// which is not a Marten session: its reads go in one batch with its locks, and its writes with its COMMIT. The rows are the
/// ones Marten writes for a conjoined document without optional metadata (tenant_id, id, data, mt_last_modified, mt_version,
/// mt_dotnet_type), so Marten reads them as its own (<c>DocumentRowsTests</c>); the tables, names and JSON are Marten's
/// (<see cref="Sql.TableOf{T}"/>, the store's serializer).
/// </summary>
public sealed class DocumentRows(IDocumentStore store)
{
    private readonly ISerializer _serializer = store.Options.Serializer();

    /// <summary>The documents of the tenant among <paramref name="ids"/> that exist (read each row with <see cref="Read{T}"/>).</summary>
    public NpgsqlBatchCommand SelectByIds<T>(string tenantId, IReadOnlyList<string> ids) =>
        Sql.Statement('^', $"select data from {Sql.TableOf<T>(store)} where tenant_id = ^ and id = any(^::text[])", tenantId, ids.ToArray());

    /// <summary>The document in the current row of a <see cref="SelectByIds{T}"/>, read as Marten reads its own rows.</summary>
    public T Read<T>(NpgsqlDataReader reader) => _serializer.FromJson<T>(reader, 0);

    /// <summary>
    /// Inserts new documents: one that exists already fails the statement with a unique violation, as Marten's Insert (null:
    /// no documents).
    /// </summary>
    public NpgsqlBatchCommand? Insert<T>(string tenantId, IReadOnlyList<T> documents) where T : IHasId => Write(tenantId, documents, "");

    /// <summary>Inserts or replaces documents, as Marten's Store (null: no documents).</summary>
    public NpgsqlBatchCommand? Upsert<T>(string tenantId, IReadOnlyList<T> documents) where T : IHasId => Write(tenantId, documents, """
        on conflict (tenant_id, id) do update set data = excluded.data, mt_last_modified = excluded.mt_last_modified,
          mt_version = excluded.mt_version, mt_dotnet_type = excluded.mt_dotnet_type
        """);

    // The JSON travels as text and is cast row by row (an array cast to jsonb[] holds every element's parse until the end).
    private NpgsqlBatchCommand? Write<T>(string tenantId, IReadOnlyList<T> documents, string onConflict) where T : IHasId =>
        documents.Count == 0 ? null : Sql.Statement('^', $"""
            insert into {Sql.TableOf<T>(store)} as d (tenant_id, id, data, mt_last_modified, mt_version, mt_dotnet_type)
            select ^, u.id, u.data::jsonb, now(), u.version, ^ from unnest(^::text[], ^::text[], ^::uuid[]) as u(id, data, version)
            {onConflict}
            """, tenantId, typeof(T).FullName, documents.Select(d => d.Id).ToArray(), documents.Select(d => _serializer.ToJson(d)).ToArray(),
            Uuids.Version7(documents.Count));
}
