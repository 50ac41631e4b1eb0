using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using WinBack.Api.Features.Stripe;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Features.Webhooks;
using WinBack.Api.Tests.Infrastructure;
using static WinBack.Api.Tests.Features.Stripe.StripeEvents;

namespace WinBack.Api.Tests.Features.Stripe;

/// <summary>
/// One tenant's broken Stripe rows (an outbox push WinBack cannot read, an unmatched event that cannot be parsed, one with an
/// amount past the bound) are set aside with their reasons, while another tenant's pushes and events go through in the same
/// passes; a restart on the same database changes nothing.
/// </summary>
public sealed class StripePoisonTests
{
    [Fact]
    public async Task A_broken_outbox_row_is_retried_then_given_up_with_its_reason_and_never_holds_up_another_tenants_push()
    {
        await using var fake = await StripeFake.StartAsync();
        var first = StripeApp.On(fake);
        await first.InitializeAsync();
        var a = await ConnectedAsync(first);
        await first.CustomerAsync(a, "cus_a", "cus_PoisonA");
        // A push WinBack cannot read (as a row from an older version, or a damaged one might be), due before anything else.
        await Db.ExecuteAsync(first.ConnectionString, """
            insert into winback.stripe_sync (tenant_id, reward_id, customer_id, stripe_customer_id, action, idempotency_key, request, status,
              attempts, next_attempt_at, created_at)
            values (@tenant, 'rwd_broken', 'cus_a', 'cus_PoisonA', 'credit', 'wb_broken_push', '[]'::jsonb, 'pending', 0, @due, @due)
            """, a.Id, ("due", first.Clock.GetUtcNow().AddDays(-1)));

        var b = await ConnectedAsync(first);
        await first.CustomerAsync(b, "cus_b", "cus_PoisonB");
        await b.IssueCreditAsync("cus_b", 700);
        await Eventually.ReadAsync(() => b.EventsAsync("cus_b", "reward_synced_to_stripe"), e => e.Length == 1, "B's credit in Stripe");
        fake.Balance("cus_PoisonB").ShouldBe(-700);

        var failure = await Eventually.ReadAsync(() => FailureAsync(a), f => f is { } row && row.GetProperty("attempts").GetInt32() == 1,
            "A's push recorded as failing");
        failure!.Value.GetProperty("status").GetString().ShouldBe("pending");
        failure.Value.GetProperty("lastError").GetString()!.ShouldStartWith("WinBack could not send it:");
        // Retried on the Stripe schedule, then given up after the fifth failure in a row.
        for (var attempt = 2; attempt <= 5; attempt++)
        {
            first.Clock.Advance(TimeSpan.FromHours(1));
            var expected = attempt;
            failure = await Eventually.ReadAsync(() => FailureAsync(a), f => f!.Value.GetProperty("attempts").GetInt32() == expected, $"attempt {expected}");
        }
        failure!.Value.GetProperty("status").GetString().ShouldBe("failed");
        (await first.Services.GetRequiredService<BackgroundHealth>().ParkedCountsAsync(CancellationToken.None))[StripeSyncWorker.Loop].ShouldBe(1);
        await first.DisposeAsync();

        await using var second = StripeApp.On(fake, first.ConnectionString);
        await second.InitializeAsync();
        second.Clock.Advance(TimeSpan.FromDays(2));
        await Task.Delay(TimeSpan.FromSeconds(2)); // two passes of the outbox
        var after = (await FailureAsync(a.On(second)))!.Value;
        after.GetProperty("status").GetString().ShouldBe("failed");
        after.GetProperty("attempts").GetInt32().ShouldBe(5);
        after.GetProperty("lastError").GetString().ShouldBe(failure.Value.GetProperty("lastError").GetString());
        (await b.On(second).EventsAsync("cus_b", "reward_synced_to_stripe")).Length.ShouldBe(1);
        fake.Balance("cus_PoisonB").ShouldBe(-700);
    }

    [Fact]
    public async Task Broken_unmatched_events_are_parked_or_rejected_with_their_reasons_while_another_tenants_events_apply()
    {
        await using var fake = await StripeFake.StartAsync();
        var first = StripeApp.On(fake);
        await first.InitializeAsync();
        var a = await ConnectedAsync(first);
        var received = first.Clock.GetUtcNow().AddDays(-1);
        // Kept as unmatched before amounts were bounded: one that no longer parses, one whose amount is past the bound.
        await InsertUnmatchedAsync(first, a, "evt_garbled", "invoice.paid", "{\"id\": \"evt_garbled\", \"data\": ", received);
        await InsertUnmatchedAsync(first, a, "evt_huge", "invoice.paid",
            Event("invoice.paid", Invoice("cus_Huge", long.MaxValue), received, "evt_huge"), received.AddSeconds(1));

        var b = await ConnectedAsync(first);
        (await EngineRequests.ReadAsync(await PostAsync(first, b, Event("invoice.paid", Invoice("cus_LaterB", 1200), await b.ReadClockAsync())), 200))
            .GetProperty("status").GetString().ShouldBe("unmatched");
        await first.CustomerAsync(a, "cus_huge", "cus_Huge");
        await first.CustomerAsync(b, "cus_later", "cus_LaterB");

        await Eventually.ReadAsync(async () => (await b.CustomerAsync("cus_later")).GetProperty("orderCount").GetInt32(), n => n == 1,
            "B's kept invoice applied");
        var events = await Eventually.ReadAsync(() => EventsAsync(a), e => e["evt_garbled"].Status == "parked" && e["evt_huge"].Status == "rejected",
            "A's broken events set aside");
        events["evt_garbled"].Reason.ShouldStartWith("Applying it failed 5 times in a row");
        events["evt_huge"].Reason.ShouldBe($"'amount_paid' is {long.MaxValue}; WinBack records amounts from 0 to 1000000000000 minor units, " +
                                           "so the event is kept but not applied.");
        (await a.CustomerAsync("cus_huge")).GetProperty("orderCount").GetInt32().ShouldBe(0);
        await first.DisposeAsync();

        await using var second = StripeApp.On(fake, first.ConnectionString);
        await second.InitializeAsync();
        await Task.Delay(TimeSpan.FromSeconds(2)); // two passes of the retry
        var (a2, b2) = (a.On(second), b.On(second));
        var kept = await EventsAsync(a2);
        kept["evt_garbled"].ShouldBe(events["evt_garbled"]);
        kept["evt_huge"].ShouldBe(events["evt_huge"]);
        (await b2.CustomerAsync("cus_later")).GetProperty("orderCount").GetInt32().ShouldBe(1);
        (await EventsAsync(b2)).Values.Single().Status.ShouldBe("applied");
    }

    [Fact]
    public async Task A_signed_event_with_an_amount_past_the_bound_is_recorded_as_rejected_not_applied()
    {
        await using var app = new StripeApp();
        await app.InitializeAsync();
        var tenant = await ConnectedAsync(app);
        await app.CustomerAsync(tenant, "cus_big", "cus_Big");
        var payload = Event("invoice.paid", Invoice("cus_Big", 1_000_000_000_001), await tenant.ReadClockAsync());

        var receipt = await EngineRequests.ReadAsync(await PostAsync(app, tenant, payload), 200);
        receipt.GetProperty("status").GetString().ShouldBe("rejected");
        receipt.GetProperty("reason").GetString()!.ShouldStartWith("'amount_paid' is 1000000000001;");
        var again = await EngineRequests.ReadAsync(await PostAsync(app, tenant, payload), 200);
        again.GetProperty("duplicate").GetBoolean().ShouldBeTrue();
        again.GetProperty("reason").GetString().ShouldBe(receipt.GetProperty("reason").GetString());
        (await tenant.CustomerAsync("cus_big")).GetProperty("orderCount").GetInt32().ShouldBe(0);
        var listed = await EngineRequests.ReadAsync(await tenant.Admin.GetAsync("/v1/integrations/stripe/events?status=rejected"), 200);
        listed.GetProperty("data").EnumerateArray().Single().GetProperty("id").GetString().ShouldBe(receipt.GetProperty("eventId").GetString());
    }

    private static async Task<TestTenant> ConnectedAsync(WinBackApp app)
    {
        var tenant = await app.CreateTenantAsync();
        await StripeApp.ConnectAsync(tenant);
        return tenant;
    }

    private static Task InsertUnmatchedAsync(WinBackApp app, TestTenant tenant, string id, string type, string payload, DateTimeOffset at) =>
        Db.ExecuteAsync(app.ConnectionString, """
            insert into winback.stripe_inbound_event (tenant_id, event_id, type, stripe_customer_id, status, payload, received_at)
            values (@tenant, @id, @type, null, 'unmatched', @payload, @at)
            """, tenant.Id, ("id", id), ("type", type), ("payload", payload), ("at", at));

    private static async Task<JsonElement?> FailureAsync(TestTenant tenant) =>
        (await EngineRequests.ReadAsync(await tenant.Admin.GetAsync("/v1/integrations/stripe/failures"), 200)).GetProperty("data")
        .EnumerateArray().Select(f => (JsonElement?)f).SingleOrDefault();

    private static async Task<Dictionary<string, (string Status, string? Reason)>> EventsAsync(TestTenant tenant) =>
        (await EngineRequests.ReadAsync(await tenant.Admin.GetAsync("/v1/integrations/stripe/events?limit=100"), 200)).GetProperty("data")
        .EnumerateArray().ToDictionary(e => e.GetProperty("id").GetString()!,
            e => (e.GetProperty("status").GetString()!, e.GetProperty("reason").GetString()));
}
