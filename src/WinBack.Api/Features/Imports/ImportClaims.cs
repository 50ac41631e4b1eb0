using Marten;
using Marten.Storage;
using Microsoft.Extensions.Options;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Api.Infrastructure.Sharding;
using static WinBack.Api.Features.Imports.ImportTables;

namespace WinBack.Api.Features.Imports;

/// <summary>An import a worker holds until <c>lease_until</c> (database time).</summary>
public sealed record ImportClaim(string ImportId, string TenantId, bool CancelRequested);

/// <summary>The job is no longer this worker's: its lease ran out and another took it, or it ended.</summary>
public sealed class ImportLeaseLostException(string importId) : Exception($"Import {importId} is no longer held by this worker.");

/// <summary>
/// Leases on imports. A worker claims the oldest queued job, or one whose lease ran out, with <c>FOR UPDATE SKIP LOCKED</c>;
/// every checkpoint renews the lease in the same transaction that saves the job, and only while the lease is still its own,
/// so a worker that lost its job can never overwrite the progress of the one that took it over.
/// </summary>
public sealed class ImportClaims(IDocumentStore store, ShardDatabases shards, TimeProvider clock, IOptions<WinBackOptions> options, ILogger<ImportClaims> logger)
{
    private TimeSpan Lease => options.Value.Workers.ImportLease;

    /// <summary>
    /// The oldest job no live worker holds, taken from each database in turn (the queue rows sit with their tenant's data). A
    /// shard that is away is logged and passed over: the other shards' imports are still claimed in the same pass.
    /// </summary>
    public async Task<ImportClaim?> ClaimAsync(string worker, CancellationToken ct)
    {
        foreach (var shard in await shards.AllAsync())
        {
            try
            {
                if (await ClaimAsync(shard.Database, worker, ct) is { } claim)
                    return claim;
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                logger.LogWarning(LoopFailures.WorthAStack(e), "Imports on shard {Shard} could not be claimed ({Error}); the other shards' still are",
                    shard.Name, e.Message);
            }
        }
        return null;
    }

    private async Task<ImportClaim?> ClaimAsync(IMartenDatabase database, string worker, CancellationToken ct)
    {
        await using var connection = await Sql.OpenDatabaseAsync(database, ct);
        await using var claim = Sql.Command(connection, $"""
            update {Runs} set claimed_by = @worker, lease_until = now() + @lease
            where import_id = (select import_id from {Runs} r where (lease_until is null or lease_until < now()) and {Infrastructure.Sharding.TenantFence.NotFenced("r")}
                               order by created_at limit 1 for update skip locked)
            returning import_id, tenant_id, cancel_requested
            """, ("worker", worker), ("lease", Lease));
        await using var reader = await claim.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? new ImportClaim(reader.Get<string>("import_id"), reader.Get<string>("tenant_id"), reader.Get<bool>("cancel_requested")) : null;
    }

    /// <summary>
    /// Saves the job and renews the lease in one transaction, or throws <see cref="ImportLeaseLostException"/>. With
    /// <paramref name="final"/> the job has ended: its queue row and its file go. Returns whether a cancel was asked for.
    /// </summary>
    public async Task<bool> CheckpointAsync(ImportClaim claim, string worker, ImportJob job, bool final, CancellationToken ct)
    {
        await using var connection = await Sql.OpenForTenantAsync(store, claim.TenantId, ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var renew = Sql.Command(connection,
            $"update {Runs} set lease_until = now() + @lease where import_id = @id and claimed_by = @worker returning cancel_requested",
            ("lease", Lease), ("id", claim.ImportId), ("worker", worker));
        renew.Transaction = transaction;
        if (await renew.ExecuteScalarAsync(ct) is not bool cancelRequested)
            throw new ImportLeaseLostException(claim.ImportId);
        await SaveAsync(transaction, claim.TenantId, job, final, ct);
        await transaction.CommitAsync(ct);
        return cancelRequested;
    }

    /// <summary>Queues a new job, in the transaction that stored its file.</summary>
    public Task QueueAsync(Npgsql.NpgsqlTransaction transaction, string tenantId, ImportJob job, CancellationToken ct) =>
        SaveAsync(transaction, tenantId, job, final: false, ct, queue: true);

    /// <summary>Saves the job in <paramref name="transaction"/>; a final save removes the queue row and the file.</summary>
    private async Task SaveAsync(Npgsql.NpgsqlTransaction transaction, string tenantId, ImportJob job, bool final, CancellationToken ct,
        bool queue = false)
    {
        var sessionOptions = Marten.Services.SessionOptions.ForTransaction(transaction);
        sessionOptions.TenantId = tenantId;
        await using var session = store.LightweightSession(sessionOptions);
        session.Store(job);
        if (queue)
            session.QueueSqlCommand($"insert into {Runs} (import_id, tenant_id, created_at) values (?, ?, now())", job.Id, tenantId);
        if (final)
        {
            session.QueueSqlCommand($"delete from {Runs} where import_id = ?", job.Id);
            session.QueueSqlCommand($"delete from {Chunks} where import_id = ?", job.Id);
        }
        await session.SaveChangesAsync(ct);
    }

    /// <summary>
    /// Cancels a job that no live worker holds at once (its file goes); for one a worker holds, asks that worker, which stops
    /// at its next checkpoint. Null when the tenant has no such job.
    /// </summary>
    public async Task<(ImportJob Job, bool Requested)?> CancelAsync(string tenantId, string importId, CancellationToken ct)
    {
        await using var connection = await Sql.OpenForTenantAsync(store, tenantId, ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        // The row lock waits out a checkpoint in progress, so the job read next is the one saved last.
        await using var lockRow = Sql.Command(connection,
            $"select coalesce(lease_until > now(), false) from {Runs} where import_id = @id and tenant_id = @tenant for update",
            ("id", importId), ("tenant", tenantId));
        lockRow.Transaction = transaction;
        var held = await lockRow.ExecuteScalarAsync(ct) as bool?;
        ImportJob? job;
        await using (var session = store.QuerySession(tenantId))
            job = await session.LoadAsync<ImportJob>(importId, ct);
        if (job is null || held is null)
            return job is null ? null : (job, false);
        if (held.Value)
        {
            await using var request = Sql.Command(connection, $"update {Runs} set cancel_requested = true where import_id = @id", ("id", importId));
            request.Transaction = transaction;
            await request.ExecuteNonQueryAsync(ct);
        }
        else
        {
            job.Status = ImportStatus.Cancelled;
            job.CompletedAt = clock.GetUtcNow();
            await SaveAsync(transaction, tenantId, job, final: true, ct);
        }
        await transaction.CommitAsync(ct);
        return (job, held.Value);
    }

    /// <summary>Hands the job back on a clean stop, so that another worker resumes it at once rather than after the lease.</summary>
    public async Task ReleaseAsync(ImportClaim claim, string worker, CancellationToken ct)
    {
        await using var connection = await Sql.OpenForTenantAsync(store, claim.TenantId, ct);
        await using var release = Sql.Command(connection,
            $"update {Runs} set claimed_by = null, lease_until = null where import_id = @id and claimed_by = @worker", ("id", claim.ImportId), ("worker", worker));
        await release.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Removes a queue row whose job is gone or already ended (a crash between the end and the clean-up).</summary>
    public async Task ForgetAsync(ImportClaim claim, CancellationToken ct)
    {
        await using var connection = await Sql.OpenForTenantAsync(store, claim.TenantId, ct);
        await using var delete = Sql.Command(connection,
            $"delete from {Runs} where import_id = @id; delete from {Chunks} where import_id = @id", ("id", claim.ImportId));
        await delete.ExecuteNonQueryAsync(ct);
    }
}
