using System.Text.Json;
using System.Text.Json.Nodes;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Webhooks;

public sealed class WebhookDeliveryTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    [Fact]
    public async Task A_lapse_and_its_reward_arrive_signed_in_order_with_the_rendered_message_and_are_listed_as_events()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var tenant = await app.CreateTenantAsync();
        var endpoint = await tenant.CreateEndpointAsync(receiver.Url, "*");
        var secret = endpoint.GetProperty("secret").GetString()!;
        var rule = RuleRequests.Simple();
        rule["message"] = new JsonObject { ["subject"] = "We miss you, {{customer.id}}", ["body"] = "Here is {{ reward.amount }} {{reward.currency}} until {{reward.expiresAt}}" };
        var ruleId = await tenant.CreateActiveAsync(rule);
        var start = await tenant.ReadClockAsync();
        await tenant.ActivityAsync("cus_mail", "purchase", start, amount: 2500);
        var lapsedAt = start.AddDays(90);
        await tenant.AdvanceAsync(lapsedAt.AddMinutes(10));

        var received = await receiver.WaitForAsync(r => r.Count == 4, "the rule's two changes, the lapse and the reward");
        // Each chain in order (the rule's, the customer's); the two chains do not wait for each other.
        received.Where(r => r.CustomerId is null).Select(r => r.Json.GetProperty("data").GetProperty("change").GetString()).ShouldBe(["created", "activated"]);
        received.Where(r => r.CustomerId == "cus_mail").Select(r => r.Type).ShouldBe(["customer.lapsed", "reward.issued"]);
        received.ShouldAllBe(r => WebhookRequests.Verifies(r, secret, app.Clock.GetUtcNow()));
        var issued = received.Single(r => r.Type == "reward.issued").Json;
        issued.GetProperty("customerId").GetString().ShouldBe("cus_mail");
        issued.GetProperty("tenantId").GetString().ShouldBe(tenant.Id);
        issued.GetProperty("id").GetString().ShouldBe(received.Single(r => r.Type == "reward.issued").Id);
        var message = issued.GetProperty("data").GetProperty("message");
        message.GetProperty("subject").GetString().ShouldBe("We miss you, cus_mail");
        var expiresAt = issued.GetProperty("data").GetProperty("expiresAt").GetDateTimeOffset();
        message.GetProperty("body").GetString().ShouldBe($"Here is 10.00 eur until {expiresAt.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}");
        var lapsed = received.Single(r => r.Type == "customer.lapsed");
        lapsed.Sequence.ShouldBeLessThan(issued.GetProperty("sequence").GetInt64());
        lapsed.Json.GetProperty("data").GetProperty("ruleId").GetString().ShouldBe(ruleId);

        // The same events, with the same bodies, can be pulled.
        var page = await EngineRequests.ReadAsync(await tenant.Admin.GetAsync("/v1/events?limit=3"), 200);
        var listed = page.GetProperty("data").EnumerateArray().ToList();
        listed.Select(e => e.GetProperty("type").GetString()).ShouldBe(["rule.updated", "rule.updated", "customer.lapsed"]);
        page.GetProperty("hasMore").GetBoolean().ShouldBeTrue();
        var next = await EngineRequests.ReadAsync(await tenant.Admin.GetAsync(
            $"/v1/events?startingAfter={listed[^1].GetProperty("id").GetString()}"), 200);
        var last = next.GetProperty("data").EnumerateArray().Single();
        JsonSerializer.Serialize(last).ShouldBe(JsonSerializer.Serialize(issued));
        var forCustomer = await EngineRequests.ReadAsync(await tenant.Admin.GetAsync("/v1/events?customerId=cus_mail&type=reward.issued"), 200);
        forCustomer.GetProperty("data").GetArrayLength().ShouldBe(1);
    }

    [Fact]
    public async Task An_unused_reward_is_announced_three_days_before_it_expires_then_expires()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var tenant = await app.CreateTenantAsync();
        await tenant.CreateEndpointAsync(receiver.Url, "reward.issued", "reward.expiring_soon", "reward.expired");
        var start = await tenant.ReadClockAsync();
        var rewardId = await tenant.IssueCreditAsync("cus_soon", 700);
        await tenant.RedeemAsync(rewardId, "A-1", 200);

        await tenant.AdvanceAsync(start.AddDays(28));
        var soon = (await receiver.WaitForAsync(r => r.Count == 2, "reward.expiring_soon"))[1];
        soon.Type.ShouldBe("reward.expiring_soon");
        soon.Json.GetProperty("createdAt").GetDateTimeOffset().ShouldBe(start.AddDays(27));
        var data = soon.Json.GetProperty("data");
        data.GetProperty("rewardId").GetString().ShouldBe(rewardId);
        data.GetProperty("remaining").GetInt64().ShouldBe(500);
        data.GetProperty("expiresAt").GetDateTimeOffset().ShouldBe(start.AddDays(30));

        await tenant.AdvanceAsync(start.AddDays(31));
        var received = await receiver.WaitForAsync(r => r.Count == 3, "reward.expired");
        received.Select(r => r.Type).ShouldBe(["reward.issued", "reward.expiring_soon", "reward.expired"]);
        received.Select(r => r.Sequence).ShouldBeInOrder();
        received[2].Json.GetProperty("data").GetProperty("unusedAmount").GetInt64().ShouldBe(500);
    }
}
