using System.Net;
using System.Text.Json.Nodes;
using WinBack.Api.Tests.Infrastructure;
using static WinBack.Api.Tests.Features.Rules.RuleRequests;

namespace WinBack.Api.Tests.Features.Rules;

/// <summary>Each case breaks one rule of the issue example and expects one message on exactly that field.</summary>
public sealed class RuleValidationTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    public static TheoryData<string, string, string> Cases => new()
    {
        { "name", """{"name": ""}""", "must not be empty" },
        { "priority", """{"priority": 1001}""", "between 0 and 1000" },
        { "trigger", """{"trigger": null}""", "must not be empty" },
        { "trigger.days", """{"trigger": {"type": "inactivity", "days": 0}}""", "between 1 and 3650" },
        { "trigger.days", """{"trigger": {"type": "inactivity", "days": 3651}}""", "between 1 and 3650" },
        { "trigger.activityTypes", """{"trigger": {"type": "cancellation", "days": 7, "activityTypes": ["login"]}}""", "only for the inactivity trigger" },
        { "trigger.personalWindow.multiple", """{"trigger": {"type": "inactivity", "days": 90, "personalWindow": {"multiple": 0, "minPurchases": 3}}}""", "greater than '0'" },
        { "trigger.personalWindow.multiple", """{"trigger": {"type": "inactivity", "days": 90, "personalWindow": {"multiple": 100.5, "minPurchases": 3}}}""", "less than or equal to '100'" },
        { "trigger.personalWindow.multiple", """{"trigger": {"type": "inactivity", "days": 90, "personalWindow": {"minPurchases": 3}}}""", "must not be empty" },
        { "trigger.personalWindow.minPurchases", """{"trigger": {"type": "inactivity", "days": 90, "personalWindow": {"multiple": 2.5, "minPurchases": 1}}}""", "between 2 and 32" },
        { "trigger.personalWindow.minPurchases", """{"trigger": {"type": "inactivity", "days": 90, "personalWindow": {"multiple": 2.5, "minPurchases": 33}}}""", "between 2 and 32" },
        { "trigger.personalWindow", """{"trigger": {"type": "cancellation", "days": 7, "personalWindow": {"multiple": 2.5, "minPurchases": 3}}}""", "only for the inactivity trigger" },
        { "eligibility.minLifetimeValue.currency", """{"eligibility": {"minLifetimeValue": {"amount": 1, "currency": "xyz"}}}""", "ISO 4217" },
        { "eligibility.maxLifetimeValue.amount", """{"eligibility": {"minLifetimeValue": {"amount": 500, "currency": "eur"}, "maxLifetimeValue": {"amount": 100, "currency": "eur"}}}""", "cannot be less than" },
        { "eligibility.minOrderCount", """{"eligibility": {"minOrderCount": -1}}""", "between 0 and" },
        { "reward", """{"reward": null}""", "must not be empty" },
        { "reward.currency", """{"reward": {"type": "account_credit", "amount": 1000, "currency": "eurx", "expiresInDays": 30}}""", "ISO 4217" },
        { "reward.currency", """{"reward": {"type": "account_credit", "amount": 1000, "currency": "abc", "expiresInDays": 30}}""", "ISO 4217" },
        { "reward.amount", """{"reward": {"type": "account_credit", "currency": "eur", "expiresInDays": 30}}""", "required for account_credit" },
        { "reward.percent", """{"reward": {"type": "account_credit", "amount": 1000, "currency": "eur", "percent": 10, "expiresInDays": 30}}""", "only for percent_discount" },
        { "reward.percent", """{"limits": null, "experiment": null, "reward": {"type": "percent_discount", "percent": 0, "expiresInDays": 30}}""", "between 1 and 100" },
        { "reward.percent", """{"limits": null, "experiment": null, "reward": {"type": "percent_discount", "percent": 101, "expiresInDays": 30}}""", "between 1 and 100" },
        { "reward.uses", """{"limits": null, "experiment": null, "reward": {"type": "percent_discount", "percent": 20, "uses": 0, "expiresInDays": 30}}""", "between 1 and 100" },
        { "reward.sku", """{"limits": null, "experiment": null, "reward": {"type": "free_product", "expiresInDays": 30}}""", "required for free_product" },
        { "reward.payload", """{"limits": null, "experiment": null, "reward": {"type": "custom", "payload": [1, 2], "expiresInDays": 30}}""", "JSON object" },
        { "reward.expiresInDays", """{"reward": {"type": "account_credit", "amount": 1000, "currency": "eur", "expiresInDays": 0}}""", "between 1 and 3650" },
        { "limits.totalBudget.currency", """{"limits": {"totalBudget": {"amount": 100000, "currency": "usd"}}}""", "in the reward's currency" },
        { "limits.totalBudget", """{"reward": {"type": "percent_discount", "percent": 20, "expiresInDays": 30}, "limits": {"totalBudget": {"amount": 100000, "currency": "eur"}}}""", "only for rules whose rewards" },
        { "limits.dailyBudget.amount", """{"limits": {"totalBudget": {"amount": 1000, "currency": "eur"}, "dailyBudget": {"amount": 2000, "currency": "eur"}}}""", "cannot be more than" },
        { "limits.maxRewardsPerCustomer", """{"limits": {"maxRewardsPerCustomer": 0}}""", "between 1 and 100" },
        { "limits.cooldownDays", """{"limits": {"cooldownDays": -1}}""", "between 0 and 3650" },
        { "experiment.holdoutPercent", """{"experiment": {"holdoutPercent": 51, "variants": [{"name": "A", "weight": 1}]}}""", "between 0 and 50" },
        { "experiment.variants", """{"experiment": {"holdoutPercent": 10, "variants": []}}""", "1 to 10 variants" },
        { "experiment.variants", """{"experiment": {"variants": [{"name": "A", "weight": 1}, {"name": "a", "weight": 1}]}}""", "unique" },
        { "experiment.variants[0].weight", """{"experiment": {"variants": [{"name": "A", "weight": 0}]}}""", "greater than '0'" },
        { "experiment.variants[0].name", """{"experiment": {"variants": [{"name": "holdout", "weight": 1}]}}""", "reserved" },
        { "experiment.variants[0].reward.percent", """{"experiment": {"variants": [{"name": "A", "weight": 1, "reward": {"type": "percent_discount", "percent": 150, "expiresInDays": 30}}]}, "limits": null}""", "between 1 and 100" },
        { "experiment.variants[0].trigger.days", """{"experiment": {"variants": [{"name": "A", "weight": 1, "trigger": {"days": 0}}]}}""", "between 1 and 3650" },
        { "limits.totalBudget.currency", """{"experiment": {"variants": [{"name": "A", "weight": 1, "reward": {"type": "account_credit", "amount": 5, "currency": "usd", "expiresInDays": 30}}]}}""", "in the reward's currency" },
        { "message.subject", """{"message": {"subject": "Hi {{customer.name}}", "body": "x"}}""", "Unknown placeholder {{customer.name}}" },
        { "message.body", """{"message": {"subject": "Hi", "body": ""}}""", "must not be empty" },
        { "attributionDays", """{"attributionDays": 0}""", "between 1 and 365" },
        { "trigger.pAliveBelow", """{"trigger": {"type": "at_risk", "pAliveBelow": 0}}""", "strictly between 0 and 1" },
        { "trigger.pAliveBelow", """{"trigger": {"type": "at_risk", "pAliveBelow": 1}}""", "strictly between 0 and 1" },
        { "trigger.pAliveBelow", """{"trigger": {"type": "at_risk", "pAliveBelow": 1.5}}""", "strictly between 0 and 1" },
        { "trigger.pAliveBelow", """{"trigger": {"type": "at_risk"}}""", "required for the at_risk trigger" },
        { "trigger.pAliveBelow", """{"trigger": {"type": "inactivity", "days": 90, "pAliveBelow": 0.3}}""", "only for the at_risk trigger" },
        { "trigger.days", """{"trigger": {"type": "at_risk", "pAliveBelow": 0.3, "days": 90}}""", "not used by the at_risk trigger" },
        { "trigger.activityTypes", """{"trigger": {"type": "at_risk", "pAliveBelow": 0.3, "activityTypes": ["purchase"]}}""", "only for the inactivity trigger" },
        { "experiment.variants[0]", """{"trigger": {"type": "at_risk", "pAliveBelow": 0.3}, "experiment": {"variants": [{"name": "A", "weight": 1, "trigger": {"days": 30}}]}}""", "cannot override the trigger" },
        { "reward.type", """{"limits": null, "experiment": null, "reward": {"type": "pause", "days": 30}}""", "only for cancellation_intent rules" },
        { "reward.days", """{"trigger": {"type": "cancellation_intent"}, "limits": null, "experiment": null, "reward": {"type": "pause"}}""", "required for pause" },
        { "reward.days", """{"trigger": {"type": "cancellation_intent"}, "limits": null, "experiment": null, "reward": {"type": "trial_extension", "days": 366}}""", "between 1 and 365" },
        { "reward.expiresInDays", """{"trigger": {"type": "cancellation_intent"}, "limits": null, "experiment": null, "reward": {"type": "pause", "days": 30, "expiresInDays": 30}}""", "not used by pause" },
        { "reward.days", """{"reward": {"type": "account_credit", "amount": 1000, "currency": "eur", "expiresInDays": 30, "days": 3}}""", "only for pause and trial_extension" },
        { "reward.grant", """{"trigger": {"type": "cancellation_intent"}, "experiment": null, "reward": {"type": "account_credit", "amount": 1000, "currency": "eur", "expiresInDays": 30, "grant": "on_return"}}""", "given when the customer accepts" },
        { "trigger.days", """{"trigger": {"type": "cancellation_intent", "days": 5}, "experiment": null}""", "not used by the cancellation_intent trigger" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Each_broken_rule_names_its_field_once(string field, string change, string message)
    {
        var tenant = await app.CreateTenantAsync();
        var body = Example();
        foreach (var (key, value) in JsonNode.Parse(change)!.AsObject())
            body[key] = value?.DeepClone();

        var problem = await (await tenant.Admin.PostAsync("/v1/rules", Json(body))).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        var errors = problem.GetProperty("errors").EnumerateObject().ToList();
        errors.Select(e => e.Name).ShouldBe([field], problem.GetRawText());
        problem.FieldErrors(field).ShouldHaveSingleItem().ShouldContain(message);
    }

    [Fact]
    public async Task Unknown_enum_values_list_the_allowed_ones()
    {
        var tenant = await app.CreateTenantAsync();
        var body = Example();
        body["trigger"]!["type"] = "sleepy";

        var problem = await (await tenant.Admin.PostAsync("/v1/rules", Json(body))).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "invalid_json");

        problem.FieldErrors("trigger.type").ShouldHaveSingleItem().ShouldContain("never_purchased");
    }

    [Fact]
    public async Task An_invalid_rule_writes_nothing()
    {
        var tenant = await app.CreateTenantAsync();
        var body = Example();
        body["attributionDays"] = 0;

        await tenant.Admin.PostAsync("/v1/rules", Json(body));

        (await tenant.Admin.GetJsonAsync("/v1/rules")).GetProperty("data").GetArrayLength().ShouldBe(0);
    }
}
