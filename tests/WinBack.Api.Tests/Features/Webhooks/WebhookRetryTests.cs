using WinBack.Domain.Common;
using System.Text.Json;
using System.Text.Json.Nodes;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Infrastructure;
using WinBack.Domain.Webhooks;

namespace WinBack.Api.Tests.Features.Webhooks;

/// <summary>Failures, retries by the wall clock, held-back order, manual retry, replay and disabling.</summary>
public sealed class WebhookRetryTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    [Fact]
    public async Task A_failing_event_holds_back_that_customers_later_events_until_its_retry_or_a_manual_retry_gets_it_through()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answer = body => body.GetProperty("customerId").GetString() == "cus_a" ? 503 : 200;
        var tenant = await app.CreateTenantAsync();
        var endpointId = (await tenant.CreateEndpointAsync(receiver.Url, "reward.issued")).GetProperty("id").GetString()!;
        var first = await tenant.IssueCreditAsync("cus_a", 100);
        var second = await tenant.IssueCreditAsync("cus_a", 200);
        await tenant.IssueCreditAsync("cus_b", 300);

        var deliveries = await tenant.WaitForDeliveriesAsync(endpointId, ds => ds.Length == 3 && ds.Count(d => d.Attempts() > 0) == 2,
            "cus_b delivered and cus_a's first attempted");
        var a = deliveries.Where(d => d.Customer() == "cus_a").OrderBy(d => d.EventId(), StringComparer.Ordinal).ToArray();
        deliveries.Single(d => d.Customer() == "cus_b").Status().ShouldBe("succeeded");
        a[0].Status().ShouldBe("pending");
        a[0].Attempts().ShouldBe(1);
        a[0].GetProperty("lastStatusCode").GetInt32().ShouldBe(503);
        a[0].GetProperty("attemptLog")[0].GetProperty("responseBody").GetString().ShouldBe("not now");
        a[1].Attempts().ShouldBe(0); // held back behind the first
        receiver.Accepted.Select(r => r.CustomerId).ShouldBe(["cus_b"]);

        // What waits behind it waits for its retry (so no dispatcher round reads it before then), and so does what comes later.
        a[1].NextAttemptAt().ShouldBe(a[0].NextAttemptAt());
        var third = await tenant.IssueCreditAsync("cus_a", 250);
        var queued = await tenant.WaitForDeliveriesAsync(endpointId, ds => ds.Length == 4, "cus_a's third queued");
        queued.Where(d => d.Customer() == "cus_a").MaxBy(d => d.EventId(), StringComparer.Ordinal)!.NextAttemptAt().ShouldBe(a[0].NextAttemptAt());

        // Its retry is 5 s after the attempt on the wall clock, which in these tests does not move by itself; the admin retries now.
        await Task.Delay(300);
        (await tenant.DeliveriesAsync(endpointId)).Where(d => d.Customer() == "cus_a").Sum(d => d.Attempts()).ShouldBe(1);
        receiver.Answer = _ => 200;
        var retried = await EngineRequests.ReadAsync(await tenant.Admin.PostAsync($"/v1/webhook-deliveries/{a[0].GetProperty("id").GetString()}/retry", null), 202);
        retried.Status().ShouldBe("pending");
        await receiver.WaitForAsync(r => r.Count(w => w.AnsweredWith == 200) == 4, "cus_a's three rewards, at once and in order");
        receiver.Accepted.Where(r => r.CustomerId == "cus_a")
            .Select(r => r.Json.GetProperty("data").GetProperty("rewardId").GetString()).ShouldBe([first, second, third]);
    }

    [Fact]
    public async Task A_test_tenants_receiver_down_for_hours_gets_every_event_afterwards_in_order_on_the_wall_clocks_retry_schedule()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var down = true;
        receiver.Answer = _ => down ? 500 : 200;
        var tenant = await app.CreateTenantAsync();
        var endpointId = (await tenant.CreateEndpointAsync(receiver.Url, "*")).GetProperty("id").GetString()!;
        var testClock = await tenant.ReadClockAsync();
        var start = app.Clock.GetUtcNow();
        var rewards = new Dictionary<string, List<string>>();
        foreach (var customer in new[] { "cus_1", "cus_2", "cus_3" })
        {
            rewards[customer] = [];
            for (var i = 1; i <= 3; i++)
                rewards[customer].Add(await tenant.IssueCreditAsync(customer, 100 * i));
        }
        await tenant.WaitForDeliveriesAsync(endpointId, ds => ds.Length == 9 && ds.Count(d => d.Attempts() == 1) == 3, "the three first attempts");

        // Hours pass on the wall clock with the receiver down, the tenant's test clock standing still: the retries run on schedule.
        for (var attempt = 2; attempt <= 5; attempt++)
            await tenant.RunDueRetriesAsync(app, endpointId);
        var heads = (await tenant.DeliveriesAsync(endpointId)).Where(d => d.Attempts() > 0).ToArray();
        heads.Length.ShouldBe(3);
        foreach (var head in heads)
        {
            head.Attempts().ShouldBe(5); // 0 s, 5 s, 5 min, 30 min, 2 h after another
            var times = head.AttemptTimes();
            times[0].ShouldBe(start);
            for (var k = 1; k < times.Length; k++)
            {
                var gap = times[k] - times[k - 1];
                gap.ShouldBeGreaterThanOrEqualTo(RetrySchedule.Webhooks.Delays[k - 1]);
                gap.ShouldBeLessThanOrEqualTo(RetrySchedule.Webhooks.Delays[k - 1] * 1.1);
            }
            head.Status().ShouldBe("pending");
            head.NextAttemptAt()!.Value.ShouldBeGreaterThanOrEqualTo(times[^1] + RetrySchedule.Webhooks.Delays[4]);
        }
        (await tenant.DeliveriesAsync(endpointId)).Count(d => d.Attempts() == 0).ShouldBe(6); // the later events never went out of turn
        receiver.Accepted.ShouldBeEmpty();
        (await tenant.ReadClockAsync()).ShouldBe(testClock);

        // The receiver is back; the next retry (5 h after the last) gets through, and everything follows in order.
        down = false;
        await tenant.RunDueRetriesAsync(app, endpointId);
        await receiver.WaitForAsync(r => r.Count(w => w.AnsweredWith == 200) == 9, "all nine rewards");
        foreach (var (customer, ids) in rewards)
            receiver.Accepted.Where(r => r.CustomerId == customer)
                .Select(r => r.Json.GetProperty("data").GetProperty("rewardId").GetString()).ShouldBe(ids);
        var done = await tenant.WaitForDeliveriesAsync(endpointId, ds => ds.All(d => d.Status() == "succeeded"), "all succeeded");
        done.Count(d => d.Attempts() == 6).ShouldBe(3);
        (await tenant.EndpointAsync(endpointId)).GetProperty("failingSince").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task An_endpoint_failing_for_five_days_is_disabled_with_its_reason_and_resumes_when_enabled_again()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var down = true;
        receiver.Answer = _ => down ? 500 : 200;
        var tenant = await app.CreateTenantAsync();
        var endpointId = (await tenant.CreateEndpointAsync(receiver.Url, "reward.issued")).GetProperty("id").GetString()!;
        var created = await tenant.ReadClockAsync();
        var start = app.Clock.GetUtcNow();
        await tenant.IssueCreditAsync("cus_early");
        await tenant.WaitForDeliveriesAsync(endpointId, ds => ds.Length == 1 && ds[0].Attempts() == 1, "the first attempt");
        for (var attempt = 2; attempt <= RetrySchedule.Webhooks.MaxAttempts; attempt++)
            await tenant.RunDueRetriesAsync(app, endpointId);
        var early = await tenant.WaitForDeliveriesAsync(endpointId, ds => ds.Length == 1 && ds[0].Status() == "failed", "all 8 attempts failed");
        early.Single().Attempts().ShouldBe(RetrySchedule.Webhooks.MaxAttempts);
        (await tenant.EndpointAsync(endpointId)).GetProperty("enabled").GetBoolean().ShouldBeTrue(); // failing for about 28 h only

        app.Clock.SetUtcNow(start.AddDays(5).AddHours(1));
        await tenant.IssueCreditAsync("cus_late");
        var endpoint = await Eventually.ReadAsync(() => tenant.EndpointAsync(endpointId), e => !e.GetProperty("enabled").GetBoolean(), "the endpoint disabled");
        endpoint.GetProperty("failingSince").GetDateTimeOffset().ShouldBe(start);
        endpoint.GetProperty("disabledReason").GetString()!.ShouldContain("HTTP 500");
        endpoint.GetProperty("disabledAt").GetDateTimeOffset().ShouldBe(start.AddDays(5).AddHours(1));

        // While disabled, nothing is sent and new events are not queued for it.
        await tenant.IssueCreditAsync("cus_while_disabled");
        await tenant.WaitForEventAsync("cus_while_disabled", "reward.issued");
        (await tenant.DeliveriesAsync(endpointId)).Length.ShouldBe(2);

        down = false;
        var enabled = await EngineRequests.ReadAsync(await tenant.Admin.PatchAsync($"/v1/webhook-endpoints/{endpointId}",
            RuleRequests.Json(new JsonObject { ["enabled"] = true })), 200);
        enabled.GetProperty("disabledReason").ValueKind.ShouldBe(JsonValueKind.Null);
        await tenant.RunDueRetriesAsync(app, endpointId);
        await receiver.WaitForAsync(r => r.Any(w => w.AnsweredWith == 200 && w.CustomerId == "cus_late"), "the late reward");

        // A replay since the tenant's start (events are dated by its test clock) sends everything the endpoint wants again, with the original ids.
        var replay = await EngineRequests.ReadAsync(await tenant.Admin.PostAsync($"/v1/webhook-endpoints/{endpointId}/replay",
            RuleRequests.Json(new JsonObject { ["since"] = created.ToString("O") })), 202);
        replay.GetProperty("replayed").GetInt32().ShouldBe(3);
        var received = await receiver.WaitForAsync(r => r.Count(w => w.AnsweredWith == 200) == 4, "the three replayed events");
        var replayed = received.Where(r => r.AnsweredWith == 200).Select(r => r.CustomerId).ToList();
        replayed.ShouldBe(["cus_late", "cus_early", "cus_late", "cus_while_disabled"], ignoreOrder: true);
        received.Where(r => r.CustomerId == "cus_late").Select(r => r.Id).Distinct().Count().ShouldBe(1);
    }

}
