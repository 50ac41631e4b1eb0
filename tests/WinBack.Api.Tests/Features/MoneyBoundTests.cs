using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Features.Webhooks;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features;

/// <summary>
/// Every money input takes 0 to 10^12 minor units (a single reward's credit: up to 10^8) and answers anything beyond with a
/// 400 naming the field, before anything is written. (Stripe's amounts: StripePoisonTests.)
/// </summary>
public sealed class MoneyBoundTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    private const long Max = 1_000_000_000_000;

    [Fact]
    public async Task An_activity_amount_past_the_bound_is_a_400_naming_amount_and_the_bound_itself_is_taken()
    {
        var tenant = await app.CreateTenantAsync();

        var problem = await (await tenant.Ingest.PostAsJsonAsync("/v1/customers/c1/activities", new { type = "purchase", amount = Max + 1, currency = "eur" }))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        problem.FieldErrors("amount").ShouldHaveSingleItem().ShouldContain("between 0 and 1000000000000");
        (await tenant.Ingest.GetAsync("/v1/customers/c1")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        await (await tenant.Ingest.PostAsJsonAsync("/v1/customers/c1/activities", new { type = "purchase", amount = long.MaxValue, currency = "eur" }))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        (await tenant.ActivityAsync("c1", "purchase", amount: Max)).GetProperty("amount").GetInt64().ShouldBe(Max);
    }

    [Fact]
    public async Task A_batch_item_past_the_bound_is_rejected_by_index_naming_amount()
    {
        var tenant = await app.CreateTenantAsync();

        var body = await (await tenant.Ingest.PostAsJsonAsync("/v1/activities/batch", new
        {
            activities = new object[]
            {
                new { customerId = "c1", type = "purchase", amount = Max + 1, currency = "eur" },
                new { customerId = "c2", type = "refund", amount = Max, currency = "eur" },
            },
        })).Content.ReadFromJsonAsync<JsonElement>();

        var results = body.GetProperty("results").EnumerateArray().ToList();
        results.Select(r => r.GetProperty("status").GetString()).ShouldBe(["rejected", "created"]);
        results[0].GetProperty("error").GetProperty("errors").GetProperty("amount").GetArrayLength().ShouldBe(1);
    }

    [Fact]
    public async Task An_import_lines_lifetime_value_past_the_bound_rejects_that_line_by_number_and_field()
    {
        var tenant = await app.CreateTenantAsync();
        string Line(string id, long value) =>
            $$$"""{"customerId":"{{{id}}}","firstSeenAt":"2025-01-01T00:00:00Z","lastActivityAt":"2026-05-01T00:00:00Z","orderCount":1,"lifetimeValue":{"amount":{{{value}}},"currency":"eur"}}""";

        var response = await tenant.Ingest.PostAsync("/v1/customers/import",
            new StringContent($"{Line("i1", Max)}\n{Line("i2", Max + 1)}\n", Encoding.UTF8, "application/x-ndjson"));
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var job = await Eventually.ReadAsync(() => tenant.Ingest.GetFromJsonAsync<JsonElement>($"/v1/imports/{id}"),
            j => j.GetProperty("status").GetString() == "completed", "the import");

        job.GetProperty("imported").GetInt64().ShouldBe(1);
        var error = job.GetProperty("errors").EnumerateArray().Single();
        error.GetProperty("line").GetInt64().ShouldBe(2);
        error.GetProperty("message").GetString()!.ShouldContain("lifetimeValue.amount");
    }

    [Fact]
    public async Task A_redemption_past_the_bound_is_a_400_naming_amount()
    {
        var tenant = await app.CreateTenantAsync();
        var rewardId = await tenant.IssueCreditAsync("c1", 1000);

        var problem = await (await tenant.Ingest.PostAsJsonAsync($"/v1/rewards/{rewardId}/redemptions",
            new { orderId = "o1", amount = Max + 1, currency = "eur" })).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        problem.FieldErrors("amount").ShouldHaveSingleItem().ShouldContain("between 1 and 1000000000000");
    }

    [Fact]
    public async Task A_manual_reward_past_a_single_rewards_bound_is_a_400_naming_reward_amount()
    {
        var tenant = await app.CreateTenantAsync();
        await tenant.ActivityAsync("c1", "login");

        var problem = await (await tenant.Admin.PostAsync("/v1/customers/c1/rewards", RuleRequests.Json(new JsonObject
        {
            ["reward"] = new JsonObject { ["type"] = "account_credit", ["amount"] = 100_000_001, ["currency"] = "eur", ["expiresInDays"] = 30 },
            ["note"] = "too generous",
        }))).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        problem.FieldErrors("reward.amount").ShouldHaveSingleItem().ShouldContain("between 1 and 100000000");
        (await tenant.RewardsAsync("c1")).ShouldBeEmpty();
    }

    public static TheoryData<string, string> RuleCases => new()
    {
        { "reward.amount", """{"reward": {"type": "account_credit", "amount": 100000001, "currency": "eur", "expiresInDays": 30}}""" },
        { "limits.totalBudget.amount", """{"limits": {"totalBudget": {"amount": 1000000000001, "currency": "eur"}}}""" },
        { "limits.dailyBudget.amount", """{"limits": {"dailyBudget": {"amount": 1000000000001, "currency": "eur"}}}""" },
        { "eligibility.minLifetimeValue.amount", """{"eligibility": {"minLifetimeValue": {"amount": 1000000000001, "currency": "eur"}}}""" },
        { "eligibility.maxLifetimeValue.amount", """{"eligibility": {"maxLifetimeValue": {"amount": 9223372036854775807, "currency": "eur"}}}""" },
    };

    [Theory]
    [MemberData(nameof(RuleCases))]
    public async Task A_rules_money_past_the_bound_is_a_400_naming_the_field(string field, string change)
    {
        var tenant = await app.CreateTenantAsync();
        var body = RuleRequests.Simple();
        foreach (var (key, value) in JsonNode.Parse(change)!.AsObject())
            body[key] = value?.DeepClone();

        var problem = await (await tenant.Admin.PostAsync("/v1/rules", RuleRequests.Json(body))).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).ShouldBe([field], problem.GetRawText());
        problem.FieldErrors(field).ShouldHaveSingleItem().ShouldContain("between");
    }
}
