using FastEndpoints;
using WinBack.Api.Features.Tenants;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Domain.Tenants;

namespace WinBack.Api.Features.TestClocks;

/// <summary>A test tenant's time.</summary>
/// <param name="Now">The tenant's clock: it starts at the tenant's creation and moves only when advanced.</param>
[Published]
public sealed record TestClockView(DateTimeOffset Now)
{
    public static readonly TestClockView Example = new(DateTimeOffset.Parse("2027-02-22T09:00:00Z"));

    public static readonly ApiProblem LiveTenant = ApiProblem.Of(StatusCodes.Status403Forbidden, ErrorCodes.TestModeOnly, "Test mode only",
        "Test clocks belong to test tenants (wb_test_ keys); a live tenant follows the real time.");

    /// <summary>Refuses callers of live tenants.</summary>
    public static string RequireTestTenant(HttpContext context)
    {
        var caller = context.Caller();
        return caller.Mode == TenantMode.Test ? caller.RequireTenant() : throw new ApiException(LiveTenant);
    }
}

public sealed class GetTestClockEndpoint(TenantClock clock) : EndpointWithoutRequest<TestClockView>
{
    public override void Configure()
    {
        Get("/test-clock");
        Roles(ApiScopes.Ingest, ApiScopes.Admin);
        Tags("Test clock");
        Summary(s =>
        {
            s.Summary = "Get the test clock";
            s.Description = "A test tenant's own time. It is frozen until advanced, and everything about the tenant's customers " +
                            "runs on it: an activity without occurredAt happens at it, rewards are issued, redeemed and expire by it. " +
                            "Live tenants get 403 test_mode_only.";
            s.Responses[200] = "The clock.";
            s.ResponseExamples[200] = TestClockView.Example;
            s.Responses[403] = "A live tenant's key (test_mode_only), or a key without the scope.";
            s.ResponseExamples[403] = TestClockView.LiveTenant;
        });
    }

    public override async Task HandleAsync(CancellationToken ct) =>
        await Send.OkAsync(new TestClockView(await clock.NowAsync(TestClockView.RequireTestTenant(HttpContext), ct)), ct);
}
