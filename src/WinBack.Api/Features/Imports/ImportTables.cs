using Marten;
using Weasel.Postgresql.Tables;
using WinBack.Api.Infrastructure.Marten;
using WinBack.Api.Infrastructure.Hosting;

namespace WinBack.Api.Features.Imports;

/// <summary>
/// The import tables, plain rather than documents: a worker claims a job with <c>FOR UPDATE SKIP LOCKED</c> across tenants.
/// <list type="bullet">
/// <item><c>import_chunk</c>: the uploaded file, in chunks of <see cref="ChunkBytes"/> (the last may be shorter), until the job ends.</item>
/// <item><c>import_run</c>: one row per job not yet finished or just finished: who holds it and until when (database time).</item>
/// </list>
/// </summary>
[Published]
public static class ImportTables
{
    public const int ChunkBytes = 1024 * 1024;
    public const string Chunks = MartenSetup.SchemaName + ".import_chunk";
    public const string Runs = MartenSetup.SchemaName + ".import_run";

    public static void Configure(StoreOptions options)
    {
        var chunks = new Table(Chunks);
        chunks.AddColumn<string>("import_id").AsPrimaryKey();
        chunks.AddColumn<int>("n").AsPrimaryKey();
        chunks.AddColumn("bytes", "bytea").NotNull();

        var runs = new Table(Runs);
        runs.AddColumn<string>("import_id").AsPrimaryKey();
        runs.AddColumn<string>("tenant_id").NotNull();
        runs.AddColumn<DateTimeOffset>("created_at").NotNull();
        // The worker process that holds the job, and until when; a lapsed lease is anyone's.
        runs.AddColumn<string>("claimed_by");
        runs.AddColumn<DateTimeOffset>("lease_until");
        runs.AddColumn<bool>("cancel_requested").NotNull().DefaultValueByExpression("false");
        runs.AddColumn<bool>("done").NotNull().DefaultValueByExpression("false");
        runs.Indexes.Add(new IndexDefinition("ix_import_run_open") { Columns = ["done", "created_at"] });

        options.Storage.ExtendedSchemaObjects.Add(chunks);
        options.Storage.ExtendedSchemaObjects.Add(runs);
    }
}
