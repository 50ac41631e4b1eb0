using FastEndpoints;
using FluentValidation;
using WinBack.Api.Features.TestClocks;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Common;

namespace WinBack.Api.Features.Engine;

public sealed class AdvanceTestClockRequest
{
    /// <summary>The time to move the clock to (RFC 3339); not before its current time.</summary>
    /// <example>2027-02-22T09:00:00Z</example>
    public DateTimeOffset? To { get; set; }
}

public sealed class AdvanceTestClockValidator : Validator<AdvanceTestClockRequest>
{
    public AdvanceTestClockValidator() => RuleFor(x => x.To).NotNull().WithinDateRange();
}

public sealed class AdvanceTestClockEndpoint(TestClockRunner runner) : Endpoint<AdvanceTestClockRequest, TestClockView>
{
    public override void Configure()
    {
        Post("/test-clock/advance");
        // Moving time runs sweeps and expiries for the whole tenant: an admin's decision, not an integration's.
        Roles(ApiScopes.Admin);
        Tags("Test clock");
        Summary(s =>
        {
            s.Summary = "Advance the test clock";
            s.Description = "Moves a test tenant's clock forward to 'to' and, before answering, runs in time order every lapse " +
                            "sweep tick (every 5 minutes on the clock) and reward expiry that a live deployment would have run in " +
                            "between: customers lapse at the moment they cross a window, rewards are issued at the next tick and " +
                            "expire at their exact expiresAt (reward.expiring_soon 3 days before). The webhooks these events cause go out " +
                            "within a second; their retries follow the wall clock, not this one. Months take seconds: only ticks with work " +
                            "to do are run. The clock " +
                            "never goes back (422 test_clock_backwards); advancing to the current time changes nothing. Advances of " +
                            "one tenant take turns.";
            s.ExampleRequest = new AdvanceTestClockRequest { To = DateTimeOffset.Parse("2027-02-22T09:00:00Z") };
            s.Responses[200] = "The clock after the run.";
            s.ResponseExamples[200] = TestClockView.Example;
            s.Responses[403] = "A live tenant's key (test_mode_only), or a key without the admin scope (insufficient_scope).";
            s.ResponseExamples[403] = TestClockView.LiveTenant;
            s.Responses[409] = "The sweep at some tick could not decide a customer (test_clock_blocked, with the reason); the clock stays at the " +
                               "last tick that ran. A customer that fails 5 times in a row is set aside, and the clock then moves on.";
            s.Responses[422] = "'to' is before the clock's current time (test_clock_backwards).";
            s.ResponseExamples[422] = ProblemMapping.FromException(new DomainRuleViolated(TestClockRunner.ClockWouldGoBack,
                "The test clock is at 2027-02-22T09:00:00Z; it never goes back."));
        });
    }

    public override async Task HandleAsync(AdvanceTestClockRequest request, CancellationToken ct)
    {
        var tenantId = TestClockView.RequireTestTenant(HttpContext);
        // The run is not cut short by a client that hangs up: it would be repeated by the retry anyway.
        var now = await runner.AdvanceAsync(tenantId, request.To!.Value.ToUniversalTime(), CancellationToken.None);
        await Send.OkAsync(new TestClockView(now), ct);
    }
}
