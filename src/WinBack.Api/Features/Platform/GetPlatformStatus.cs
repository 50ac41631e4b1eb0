using FastEndpoints;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Hosting;

namespace WinBack.Api.Features.Platform;

public sealed class GetPlatformStatusEndpoint(PlatformStatusReader reader) : EndpointWithoutRequest<PlatformStatusResponse>
{
    public override void Configure()
    {
        Get("/platform/status");
        Roles(ApiScopes.Platform);
        Tags("Platform");
        Summary(s =>
        {
            s.Summary = "See the machine: workers, shards, projections, queues";
            s.Description = "Operators only (platform key). `workers`: each worker process heard from within the takeover time (30 s); " +
                            "each writes a heartbeat every 5 s and deletes it on a clean stop. `leader` is true for the one running the " +
                            "async daemon's projections and subscriptions (of any shard); `loops` names the background loops it leads, each " +
                            "with its shard (engine@a, webhook-dispatcher@a, stripe-sync@b, risk@b: each loop is led per shard). `projections`: each async projection or subscription, its sequence, the " +
                            "high-water mark (the last event every projection may read), and its lag: how many seconds ago the oldest " +
                            "event it has not processed yet was appended (0 when caught up). `queues`: webhook deliveries pending and " +
                            "due now with the age of the oldest due one, Stripe syncs pending, imports running and queued, sweeps queued. " +
                            "`parked`: background units parked after repeated failures, per loop. `shards`: each shard's tenants, database size, " +
                            "health and projections; each is read on its own within 2 s, and a shard that is down is listed with " +
                            "`healthy: false` and its error while the rest of the status (totals of the shards that answered) is still shown.";
            s.Responses[200] = "The status, across every tenant.";
            s.ResponseExamples[200] = PlatformStatusResponse.Example;
        });
    }

    public override async Task HandleAsync(CancellationToken ct) => await Send.OkAsync(await reader.ReadAsync(ct), ct);
}

public sealed record PlatformStatusResponse(
    IReadOnlyList<WorkerView> Workers, IReadOnlyList<ProjectionView> Projections, QueuesView Queues, IReadOnlyDictionary<string, long> Parked,
    IReadOnlyList<ShardView> Shards)
{
    public static readonly PlatformStatusResponse Example = new(
        [
            new WorkerView("worker-1/7/3f9a0c21", 7, "worker-1", DateTimeOffset.Parse("2026-11-24T09:00:00Z"), DateTimeOffset.Parse("2026-11-24T09:30:05Z"),
                true, ["engine@a", "risk@a", "stripe-sync@a", "webhook-dispatcher@a"]),
            new WorkerView("worker-2/7/b81d44e0", 7, "worker-2", DateTimeOffset.Parse("2026-11-24T09:00:02Z"), DateTimeOffset.Parse("2026-11-24T09:30:03Z"),
                true, ["engine@b", "risk@b", "stripe-sync@b", "webhook-dispatcher@b"]),
        ],
        [new ProjectionView("stripe_outbox:All", 48_210, 48_212, 0.4), new ProjectionView("webhook_outbox:All", 48_212, 48_212, 0)],
        new QueuesView(new WebhookQueueView(3, 12, 1.2), 0, new ImportQueueView(1, 0), 0),
        new Dictionary<string, long> { ["webhook-dispatcher"] = 1 },
        [
            new ShardView("a", 412, 8_412_160_000, true, null,
                [new ProjectionView("stripe_outbox:All", 48_210, 48_212, 0.4), new ProjectionView("webhook_outbox:All", 48_212, 48_212, 0)]),
            new ShardView("b", 398, null, false, "Failed to connect to 10.0.0.12:5432", []),
        ]);
}

/// <param name="Tenants">Tenants placed on the shard (from the master, so known when the shard is down).</param>
/// <param name="SizeBytes">The shard database's size (pg_database_size); null when it did not answer.</param>
/// <param name="Healthy">False when the shard's database failed or did not answer within 2 s; its tenants get 503 meanwhile.</param>
/// <param name="Error">Why it is unhealthy; null when healthy.</param>
/// <param name="Projections">The shard's async projections and subscriptions, with their lag (each shard runs its own daemon).</param>
public sealed record ShardView(string Name, long Tenants, long? SizeBytes, bool Healthy, string? Error, IReadOnlyList<ProjectionView> Projections);

/// <param name="Leader">True for the worker running the async daemon's projections and subscriptions.</param>
/// <param name="Loops">The background loops this worker leads now.</param>
public sealed record WorkerView(string Id, int Pid, string Host, DateTimeOffset StartedAt, DateTimeOffset LastSeenAt, bool Leader, IReadOnlyList<string> Loops)
{
    public static WorkerView Of(WorkerNode node) => new(node.Id, node.Pid, node.Host, node.StartedAt, node.LastSeenAt, node.Leader, node.Loops);
}

/// <param name="Sequence">The last event sequence it processed.</param>
/// <param name="HighWaterMark">The last sequence every projection may read (no gaps before it).</param>
/// <param name="LagSeconds">How long ago the oldest event it has not processed yet was appended; 0 when caught up.</param>
public sealed record ProjectionView(string Name, long Sequence, long HighWaterMark, double LagSeconds);

/// <param name="StripeSyncsPending">Stripe credits and reversals not yet sent (including those waiting for a retry).</param>
/// <param name="SweepsQueued">Sweeps asked for (POST /v1/sweeps) and not yet started.</param>
public sealed record QueuesView(WebhookQueueView Webhooks, long StripeSyncsPending, ImportQueueView Imports, long SweepsQueued);

/// <param name="Due">Pending deliveries whose next attempt is due now.</param>
/// <param name="Pending">All pending deliveries, due or waiting for a retry.</param>
/// <param name="OldestDueAgeSeconds">How long ago the oldest due delivery was queued; 0 when none is due.</param>
public sealed record WebhookQueueView(long Due, long Pending, double OldestDueAgeSeconds);

public sealed record ImportQueueView(long Running, long Queued);
