using FastEndpoints;
using Marten;
using JasperFx;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Http;

namespace WinBack.Api.Features.Risk;

public sealed class RefitRiskModelEndpoint(IDocumentStore store, Ids ids, TimeProvider wall, RiskSignal signal)
    : EndpointWithoutRequest<RiskRefitJobView>
{
    public override void Configure()
    {
        Post("/risk-model/refit");
        Roles(ApiScopes.Admin);
        Tags("Risk model");
        Summary(s =>
        {
            s.Summary = "Refit the purchase model now";
            s.Description = "Queues a fit of your tenant's BG/NBD model on every purchasing customer's history at your tenant's " +
                            "current time (a test tenant's clock) and answers at once; the worker runs it. While a refit is queued " +
                            "or running, asking again returns that one. Follow it with GET /v1/risk-model/refits/{id}, then read " +
                            "GET /v1/risk-model.";
            s.Responses[202] = "The refit, queued (or the one already queued or running).";
            s.ResponseExamples[202] = RiskRefitJobView.Example;
        });
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var tenantId = HttpContext.Caller().RequireTenant();
        var job = await QueueAsync(store, ids.New("rfit"), tenantId, scheduled: false, wall.GetUtcNow(), ct);
        signal.Wake();
        await Send.ResponseAsync(RiskRefitJobView.Of(job), StatusCodes.Status202Accepted, ct);
    }

    /// <summary>Queues a refit unless one is queued or running, which is returned instead.</summary>
    internal static async Task<RiskRefitJob> QueueAsync(IDocumentStore store, string id, string tenantId, bool scheduled, DateTimeOffset now,
        CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            await using var session = store.LightweightSession(tenantId); // the job lives on the tenant's shard
            if (await session.LoadAsync<ActiveRiskRefit>(tenantId, ct) is { } active
                && await session.LoadAsync<RiskRefitJob>(active.JobId, ct) is { } running)
                return running;
            var job = new RiskRefitJob { Id = id, TenantId = tenantId, Scheduled = scheduled, CreatedAt = now };
            session.Insert(new ActiveRiskRefit { Id = tenantId, JobId = id });
            session.Store(job);
            try
            {
                await session.SaveChangesAsync(ct);
                return job;
            }
            catch (DocumentAlreadyExistsException) when (attempt < 3)
            {
                // Another request queued one a moment ago: return that one.
            }
        }
    }
}
