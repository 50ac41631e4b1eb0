using System.Net;
using System.Text.Json.Nodes;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Features.Reports;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Features.Webhooks;
using WinBack.Api.Tests.Infrastructure;
using static WinBack.Api.Tests.Features.Stripe.StripeEvents;

namespace WinBack.Api.Tests.Features.Stripe;

public sealed class StripeInboundTests(StripeApp app) : IClassFixture<StripeApp>
{
    private Task<HttpResponseMessage> PostAsync(TestTenant tenant, string payload, string? signature = null) =>
        StripeEvents.PostAsync(app, tenant, payload, signature);

    private async Task<TestTenant> ConnectedTenantAsync()
    {
        var tenant = await app.CreateTenantAsync();
        await StripeApp.ConnectAsync(tenant);
        return tenant;
    }

    [Fact]
    public async Task A_paid_invoice_after_a_lapse_is_the_return_and_counts_as_revenue_after_return_in_the_report()
    {
        var tenant = await ConnectedTenantAsync();
        var ruleId = await tenant.CreateActiveAsync(RuleRequests.Simple());
        await app.CustomerAsync(tenant, "cus_invoice", "cus_StripeIn01");
        var start = await tenant.ReadClockAsync();
        await tenant.ActivityAsync("cus_invoice", "purchase", start, amount: 1000);
        var now = await tenant.AdvanceAsync(start.AddDays(91));
        (await tenant.CustomerAsync("cus_invoice")).GetProperty("status").GetString().ShouldBe("lapsed");

        var paid = await EngineRequests.ReadAsync(await PostAsync(tenant, Event("invoice.paid", Invoice("cus_StripeIn01", 4200), now)), 200);
        paid.GetProperty("status").GetString().ShouldBe("applied");
        (await tenant.CustomerAsync("cus_invoice")).GetProperty("status").GetString().ShouldBe("won_back");
        await app.ReportsCaughtUpAsync();
        var report = await EngineRequests.ReadAsync(await tenant.Admin.GetAsync($"/v1/reports/reactivation?groupBy=rule&ruleId={ruleId}"), 200);
        var row = report.GetProperty("rows").EnumerateArray().Single();
        row.GetProperty("reactivated").GetInt32().ShouldBe(1);
        var revenue = row.GetProperty("revenueAfterReturn").EnumerateArray().Single();
        revenue.GetProperty("amount").GetInt64().ShouldBe(4200);
        revenue.GetProperty("currency").GetString().ShouldBe("eur");
    }

    [Fact]
    public async Task A_cancellation_with_feedback_becomes_the_churn_reason_and_a_duplicate_event_has_one_effect()
    {
        var tenant = await ConnectedTenantAsync();
        await app.CustomerAsync(tenant, "cus_cancel", "cus_StripeIn02");
        var subscription = new JsonObject
        {
            ["id"] = "sub_test01", ["object"] = "subscription", ["customer"] = "cus_StripeIn02", ["status"] = "canceled",
            ["cancellation_details"] = new JsonObject { ["comment"] = null, ["feedback"] = "too_expensive", ["reason"] = "cancellation_requested" },
        };
        var payload = Event("customer.subscription.deleted", subscription, await tenant.ReadClockAsync());
        var first = await EngineRequests.ReadAsync(await PostAsync(tenant, payload), 200);
        first.GetProperty("duplicate").GetBoolean().ShouldBeFalse();
        var again = await EngineRequests.ReadAsync(await PostAsync(tenant, payload), 200);
        again.GetProperty("duplicate").GetBoolean().ShouldBeTrue();

        var customer = await tenant.CustomerAsync("cus_cancel");
        customer.GetProperty("status").GetString().ShouldBe("cancelled");
        customer.GetProperty("churnReason").GetString().ShouldBe("too_expensive");
        (await tenant.EventsAsync("cus_cancel", "activity_recorded")).Count(a => a.GetProperty("type").GetString() == "subscription_cancelled").ShouldBe(1);
    }

    [Fact]
    public async Task Refunds_of_one_charge_record_what_each_adds_to_its_running_total_in_any_order()
    {
        var tenant = await ConnectedTenantAsync();
        await app.CustomerAsync(tenant, "cus_refund", "cus_StripeIn05");
        var now = await tenant.ReadClockAsync();
        JsonObject Charge(long refunded) => new()
        {
            ["id"] = "ch_test01", ["object"] = "charge", ["customer"] = "cus_StripeIn05", ["amount"] = 1000, ["amount_refunded"] = refunded,
            ["currency"] = "eur", ["refunded"] = refunded == 1000,
        };
        foreach (var refunded in new long[] { 300, 1000, 500 }) // the third arrives late: it adds nothing
            (await EngineRequests.ReadAsync(await PostAsync(tenant, Event("charge.refunded", Charge(refunded), now)), 200))
                .GetProperty("status").GetString().ShouldBe("applied");
        var refunds = (await tenant.EventsAsync("cus_refund", "activity_recorded")).Where(a => a.GetProperty("type").GetString() == "refund")
            .Select(a => a.GetProperty("amount").GetProperty("amount").GetInt64()).ToList();
        refunds.ShouldBe([300, 700]);
    }

    [Fact]
    public async Task A_bad_signature_is_refused_and_nothing_is_recorded()
    {
        var tenant = await ConnectedTenantAsync();
        await app.CustomerAsync(tenant, "cus_forged", "cus_StripeIn03");
        var payload = Event("invoice.paid", Invoice("cus_StripeIn03", 9900), await tenant.ReadClockAsync());
        await (await PostAsync(tenant, payload, Sign(payload, app.Clock.GetUtcNow(), "whsec_someone_else"))).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "stripe_signature_invalid");
        await (await PostAsync(tenant, payload, Sign(payload, app.Clock.GetUtcNow().AddMinutes(-6)))).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "stripe_signature_invalid");
        await (await PostAsync(tenant, payload.Replace("9900", "99000"), Sign(payload, app.Clock.GetUtcNow()))).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "stripe_signature_invalid");
        (await tenant.EventsAsync("cus_forged", "activity_recorded")).Count(a => a.GetProperty("type").GetString() == "purchase").ShouldBe(0);

        // The genuine one is then applied: the refusals recorded nothing that would make it a duplicate.
        (await EngineRequests.ReadAsync(await PostAsync(tenant, payload), 200)).GetProperty("duplicate").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public async Task An_unknown_tenant_an_unconnected_one_and_a_bad_signature_get_the_same_answer()
    {
        var connected = await ConnectedTenantAsync();
        var unconnected = await app.CreateTenantAsync();
        var unknown = unconnected with { Id = "ten_01jdq3w5x8k2m9v4r7t6y1z0zz" };
        var payload = Event("invoice.paid", Invoice("cus_StripeIn04", 100), app.Clock.GetUtcNow());

        var answers = new[]
        {
            await PostAsync(connected, payload, Sign(payload, app.Clock.GetUtcNow(), "whsec_someone_else")),
            await PostAsync(unconnected, payload),
            await PostAsync(unknown, payload),
        };

        foreach (var answer in answers)
            await answer.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "stripe_signature_invalid");
        var bodies = await Task.WhenAll(answers.Select(a => a.Content.ReadAsStringAsync()));
        bodies.Distinct().Count().ShouldBe(1, string.Join("\n", bodies));
    }

    [Fact]
    public async Task Unknown_types_are_ignored_and_an_unknown_customers_event_is_applied_once_someone_has_that_stripe_id()
    {
        var tenant = await ConnectedTenantAsync();
        var ignored = await EngineRequests.ReadAsync(await PostAsync(tenant, Event("plan.created",
            new JsonObject { ["id"] = "price_1", ["object"] = "plan", ["amount"] = 2000, ["currency"] = "usd" }, await tenant.ReadClockAsync())), 200);
        ignored.GetProperty("status").GetString().ShouldBe("ignored");

        var unmatched = await EngineRequests.ReadAsync(await PostAsync(tenant, Event("invoice.paid", Invoice("cus_StripeLater", 1200),
            await tenant.ReadClockAsync())), 200);
        unmatched.GetProperty("status").GetString().ShouldBe("unmatched");
        await app.CustomerAsync(tenant, "cus_later", "cus_StripeLater");
        var customer = await Eventually.ReadAsync(() => tenant.CustomerAsync("cus_later"), c => c.GetProperty("orderCount").GetInt32() > 0,
            "the kept invoice applied");
        customer.GetProperty("orderCount").GetInt32().ShouldBe(1);
        customer.GetProperty("lifetimeValue").EnumerateArray().Single().GetProperty("amount").GetInt64().ShouldBe(1200);
    }

    [Fact]
    public async Task Credit_stripe_applies_to_an_invoice_is_redeemed_from_the_synced_reward_and_secrets_never_show()
    {
        var tenant = await ConnectedTenantAsync();
        await app.CustomerAsync(tenant, "cus_applied", "cus_StripeIn04");
        var rewardId = await tenant.IssueCreditAsync("cus_applied", 1000);
        await Eventually.ReadAsync(() => tenant.EventsAsync("cus_applied", "reward_synced_to_stripe"), e => e.Length == 1, "the credit in Stripe");
        var applied = new JsonObject
        {
            ["id"] = "cbtxn_applied01", ["object"] = "customer_balance_transaction", ["amount"] = 400, ["currency"] = "eur",
            ["customer"] = "cus_StripeIn04", ["invoice"] = "in_applied01", ["type"] = "applied_to_invoice", ["ending_balance"] = -600,
        };
        (await EngineRequests.ReadAsync(await PostAsync(tenant, Event("customer.balance_transaction.created", applied, await tenant.ReadClockAsync())), 200))
            .GetProperty("status").GetString().ShouldBe("applied");
        var reward = await EngineRequests.ReadAsync(await tenant.Ingest.GetAsync($"/v1/rewards/{rewardId}"), 200);
        reward.GetProperty("remaining").GetInt64().ShouldBe(600);
        reward.GetProperty("redemptions")[0].GetProperty("orderId").GetString().ShouldBe("in_applied01");

        var status = await tenant.Admin.GetStringAsync("/v1/integrations/stripe");
        status.ShouldNotContain(StripeFake.SecretKey);
        status.ShouldNotContain(StripeSigning.Secret);
        status.ShouldContain("sk_test_…0000");
        app.Logs.ShouldNotBeEmpty();
        app.Logs.ShouldNotContain(line => line.Contains(StripeFake.SecretKey) || line.Contains(StripeSigning.Secret));
    }
}
