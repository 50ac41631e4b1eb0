using FastEndpoints;
using Marten;
using WinBack.Api.Features.TestClocks;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Http;

namespace WinBack.Api.Features.Engine;

public sealed class StartSweepEndpoint(IDocumentSession session, TenantClock clock, Ids ids, TimeProvider wall, EngineSignal signal)
    : EndpointWithoutRequest<SweepJobView>
{
    public override void Configure()
    {
        Post("/sweeps");
        Roles(ApiScopes.Admin);
        Tags("Sweeps");
        Summary(s =>
        {
            s.Summary = "Run a lapse sweep now";
            s.Description = "Queues one sweep of your tenant at its current time (a test tenant's clock) and answers at once; the " +
                            "worker runs it. The worker also sweeps live tenants on its own every 5 minutes. A sweep opens a lapse " +
                            "episode for every customer who crossed an active rule's window (rules by priority, the first eligible " +
                            "one wins) and issues the reward or records why it was withheld. Sweeps of one tenant take turns, and " +
                            "running one during another never issues a second reward. Follow it with GET /v1/sweeps/{id}.";
            s.Responses[202] = "The sweep, queued.";
            s.ResponseExamples[202] = SweepJobView.Example with
            {
                Status = SweepStatus.Queued, StartedAt = null, CompletedAt = null, Examined = 0, Lapsed = 0, Rewarded = 0,
                Withheld = new WithheldView(0, 0, 0, 0, 0),
            };
        });
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var tenantId = HttpContext.Caller().RequireTenant();
        var job = new SweepJob { Id = ids.New("swp"), TenantId = tenantId, AsOf = await clock.NowAsync(tenantId, ct), CreatedAt = wall.GetUtcNow() };
        session.Store(job);
        await session.SaveChangesAsync(ct);
        signal.Wake();
        await Send.ResponseAsync(SweepJobView.Of(job), StatusCodes.Status202Accepted, ct);
    }
}
