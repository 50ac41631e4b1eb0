using Marten;
using Weasel.Postgresql.Tables;
using WinBack.Api.Features.Imports;
using WinBack.Api.Features.Reports;
using WinBack.Api.Features.Stripe;
using WinBack.Api.Features.Webhooks;
using WinBack.Api.Infrastructure.Idempotency;
using WinBack.Api.Infrastructure.Sharding;

namespace WinBack.Api.Features.Moves;

/// <summary>How a move treats one table of the tenant's shard.</summary>
public enum TableCopy
{
    /// <summary>The tenant's rows on the target are replaced by the source's, in one transaction.</summary>
    Replace,
    /// <summary>Replaced, with the event-store sequence in <see cref="TenantTable.SequenceColumn"/> re-pointed at the same event on the target.</summary>
    Remap,
    /// <summary>Not copied: the target's Reports projection writes them from the copied events. Verified.</summary>
    Rebuilt,
    /// <summary>Not copied nor verified, deleted with the tenant: a shard's own marks (rollups to refresh, copies to skip).</summary>
    Marks,
}

/// <summary>One table that holds a tenant's rows on its shard, and which of them are the tenant's (<see cref="TenantTables.Tenant"/>).</summary>
/// <param name="SettledBy">
/// For a table the source's last sends still change after the final copy (outcomes of sends picked before the freeze, keys of
/// requests still running): the columns that identify its rows, which alone are verified; the rest is carried over after the
/// flip (SettleCopy). Empty: not verified at all.
/// </param>
/// <param name="Document">A Marten document table, or one kept like it: copied by version (<see cref="TableCopier.SyncDocumentsAsync"/>), not replaced whole.</param>
public sealed record TenantTable(string Name, string Filter, TableCopy Copy, string? SequenceColumn = null, IReadOnlyList<string>? SettledBy = null,
    bool Document = false);

/// <summary>
/// Every table of a tenant on its shard: Marten's document tables (conjoined: a tenant_id column) and the tables the features
/// register with Marten (<c>Storage.ExtendedSchemaObjects</c>). A feature table this list cannot place stops the move (a new
/// table must say how it moves, not be left behind silently). The event tables are the copier's own (<see cref="EventCopy"/>).
/// </summary>
public static class TenantTables
{
    /// <summary>The tenant being moved, set on each connection: COPY takes no parameters.</summary>
    public const string Tenant = "current_setting('winback.move_tenant')";
    private const string ByTenant = $"tenant_id = {Tenant}";

    public static IReadOnlyList<TenantTable> All(IDocumentStore store)
    {
        var tables = store.Options.AllKnownDocumentTypes()
            // Not any tenant's: Marten's record of events a projection could not apply (mt_doc_deadletterevent) is store-wide.
            .Where(m => m.TenancyStyle == JasperFx.MultiTenancy.TenancyStyle.Conjoined)
            // The report projection's fold state, rebuilt with its rows; every other document is written by the API or inline.
            .Select(m => new TenantTable(m.TableName.QualifiedName, ByTenant, m.DocumentType == typeof(CustomerEpisodes) ? TableCopy.Rebuilt : TableCopy.Replace,
                Document: true))
            .ToList();
        tables.AddRange(((StoreOptions)store.Options).Storage.ExtendedSchemaObjects.OfType<Table>().Select(t => Feature(t.Identifier.QualifiedName, t)));
        return tables;
    }

    private static TenantTable Feature(string name, Table table) => name switch
    {
        WebhookTables.Events => new(name, ByTenant, TableCopy.Remap, "seq"),
        WebhookTables.Deliveries => new(name, ByTenant, TableCopy.Remap, "event_seq", SettledBy: ["id"]),
        WebhookTables.Attempts => new(name, ByTenant, TableCopy.Replace, SettledBy: []),
        StripeTables.Sync => new(name, ByTenant, TableCopy.Replace, SettledBy: ["idempotency_key"]),
        // Only chunks of the tenant's imports; a chunk has no tenant column of its own.
        ImportTables.Chunks => new(name, $"import_id in (select import_id from {ImportTables.Runs} where {ByTenant})", TableCopy.Replace),
        IdempotencyStore.TableName => new(name, $"owner = {Tenant}", TableCopy.Replace, SettledBy: []),
        LapseEpisodeTable.Episodes or LapseEpisodeTable.Revenue or RewardLiabilityTable.TableName => new(name, ByTenant, TableCopy.Rebuilt),
        // The projection's marks are rewritten on the target with its rows; a copy mark is the target's own.
        ReportRollups.Dirty or CopyMarks.TableName => new(name, ByTenant, TableCopy.Marks),
        // A fence is the shard's own: the source refuses the moving tenant's writes, the target holds its sends.
        TenantFence.TableName => new(name, ByTenant, TableCopy.Marks),
        // A table kept as Marten keeps documents (a new mt_version on every write: the customers' hot state) is copied by version.
        _ when table.HasColumn("tenant_id") && table.HasColumn("id") && table.HasColumn("mt_version") => new(name, ByTenant, TableCopy.Replace, Document: true),
        // Rollups are copied: on the target nothing refreshes them for the tenant before the flip (the refresh goes to its current
        // shard), and the marks the target's projection leaves recompute the same figures after it.
        _ when table.HasColumn("tenant_id") => new(name, ByTenant, TableCopy.Replace),
        _ => throw new InvalidOperationException($"{name} holds tenant data but no move rule says how to copy it (Features/Moves/TenantTables.cs)."),
    };
}
