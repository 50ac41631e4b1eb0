using System.Collections.Concurrent;
using Marten;
using Microsoft.Extensions.Options;
using WinBack.Api.Infrastructure.Http;
using WinBack.Api.Infrastructure.Sharding;

namespace WinBack.Api.Infrastructure.Hosting;

/// <summary>Where a queued job is; each kind of job shows it through its own status (queued, running, succeeded, failed).</summary>
public enum JobState { Queued, Running, Succeeded, Failed }

/// <summary>A job asked for through the API (or a schedule) and run by a loop's leader, one job one unit: what <see cref="QueuedJobs"/> moves.</summary>
public interface IQueuedJob : IHasId
{
    string TenantId { get; }
    /// <summary>The job's own status, as a <see cref="JobState"/> (implemented explicitly, so it is not stored twice).</summary>
    JobState State { get; set; }
    DateTimeOffset? StartedAt { get; set; }
    DateTimeOffset? CompletedAt { get; set; }
    string? Failure { get; set; }
    int Attempts { get; set; }
}

/// <summary>One kind of queued job: its loop (the unit's loop in <see cref="BackgroundHealth"/>) and what its owner reads when it is given up.</summary>
/// <param name="GivenUp">The job's failure once given up, from the attempts and the last reason.</param>
/// <param name="Saved">Written with the job when it is saved; true once it is done (a refit frees its tenant's slot then).</param>
public sealed record JobKind<TJob>(string Loop, Func<int, string, string> GivenUp, Action<IDocumentSession, TJob, bool>? Saved = null)
    where TJob : IQueuedJob;

/// <summary>
/// The one way a loop's leader runs a queued job (a sweep, a refit, a backtest): marks it running, runs it, and records success,
/// or a failure: the job goes back to the queue with its reason and is tried again, and after
/// WinBack__Background__ParkAfterFailures attempts it is given up, parked in <see cref="BackgroundHealth"/> with its reason, which
/// its owner reads on the job. A write refused because the tenant is moving between shards (<see cref="TenantFence.IsMoving"/>) is
/// no failure of the job: it is not counted and the job goes back to the queue, to run once the tenant is served again (on its new
/// shard, once moved). An outcome that cannot be saved (the fence refuses it too, or the database is away) is saved again on every
/// later pass until it is. A job of one tenant never holds up another's beyond its own attempt. Each job is safe to run again from
/// the start; one cut off when its leader died is queued again by the next leader (<see cref="InterruptedJobs"/>).
/// </summary>
public sealed class QueuedJobs(IDocumentStore store, BackgroundHealth health, TimeProvider wall, IOptions<WinBackOptions> options, ILogger<QueuedJobs> logger)
{
    // Outcomes not saved yet, by job id: the job stays as last saved (running) until one of them is.
    private readonly ConcurrentDictionary<string, Func<CancellationToken, Task>> _unsaved = new();

    /// <summary>Runs each job in turn, but not a parked one whose next try is not due.</summary>
    public async Task RunEachAsync<TJob>(JobKind<TJob> kind, ShardRef shard, IEnumerable<TJob> jobs, Func<TJob, Func<Task>, Task<string?>> work,
        CancellationToken ct) where TJob : IQueuedJob
    {
        await SaveUnsavedAsync(ct);
        var failing = await health.FailingAsync(kind.Loop, shard.Database, ct);
        foreach (var job in jobs)
            if (!failing.Waiting(job.TenantId, job.Id, wall.GetUtcNow()))
                await RunAsync(kind, job, work, ct);
    }

    /// <summary>Runs one job.</summary>
    /// <param name="work">The job's work; it may save its progress through the function it is given, and returns a note for the job's failure field (null for none).</param>
    public async Task RunAsync<TJob>(JobKind<TJob> kind, TJob job, Func<TJob, Func<Task>, Task<string?>> work, CancellationToken ct) where TJob : IQueuedJob
    {
        try
        {
            job.State = JobState.Running;
            job.StartedAt ??= wall.GetUtcNow();
            await SaveAsync(kind, job, ct);
            job.Failure = await work(job, () => SaveAsync(kind, job, ct));
            job.State = JobState.Succeeded;
            if (job.Attempts > 0)
                await health.ClearAsync(kind.Loop, job.TenantId, [job.Id], ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && TenantFence.IsMoving(e))
        {
            job.State = JobState.Queued;
            job.Failure = "The tenant is moving to another shard; this try does not count, and the job runs once the move is done.";
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            job.Attempts++;
            var failure = await health.FailedAsync(kind.Loop, job.TenantId, job.Id, e, ct);
            var reason = BackgroundHealth.ReasonOf(e);
            var givenUp = failure?.Parked ?? job.Attempts >= options.Value.Background.ParkAfterFailures;
            job.State = givenUp ? JobState.Failed : JobState.Queued;
            job.Failure = givenUp ? kind.GivenUp(job.Attempts, reason) : $"Attempt {job.Attempts} failed: {reason} It is tried again.";
        }
        job.CompletedAt = job.State is JobState.Succeeded or JobState.Failed ? wall.GetUtcNow() : null;
        try
        {
            await SaveAsync(kind, job, ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            _unsaved[job.Id] = token => SaveAsync(kind, job, token);
            if (!TenantFence.IsMoving(e))
                logger.LogError(LoopFailures.WorthAStack(e), "Could not record the outcome of {Loop} job {JobId} of tenant {TenantId}, saved again on the next pass: {Error}",
                    kind.Loop, job.Id, job.TenantId, e.Message);
        }
    }

    // Every pass of every queued-job loop tries them: a failure leaves them for the next pass.
    private async Task SaveUnsavedAsync(CancellationToken ct)
    {
        foreach (var (jobId, save) in _unsaved)
        {
            try
            {
                await save(ct);
                _unsaved.TryRemove(KeyValuePair.Create(jobId, save)); // not a newer outcome of the same job
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                logger.LogDebug(e, "The outcome of job {JobId} could not be saved yet", jobId);
            }
        }
    }

    // A fresh session each time (one that failed may hold the failed write), on the tenant's shard.
    private async Task SaveAsync<TJob>(JobKind<TJob> kind, TJob job, CancellationToken ct) where TJob : IQueuedJob
    {
        await using var session = store.LightweightSession(job.TenantId);
        session.Store(job);
        kind.Saved?.Invoke(session, job, job.State is JobState.Succeeded or JobState.Failed);
        await session.SaveChangesAsync(ct);
    }
}
