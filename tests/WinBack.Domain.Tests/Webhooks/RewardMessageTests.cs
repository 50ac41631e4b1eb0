using WinBack.Domain.Customers;
using WinBack.Domain.Rules;
using WinBack.Domain.Tests.Rules;
using WinBack.Domain.Webhooks;

namespace WinBack.Domain.Tests.Webhooks;

public sealed class RewardMessageTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-11-24T09:00:00Z");

    private static RewardIssued Issued(string variant = "default", long amount = 1050, string currency = "eur") =>
        new("cus_7", "rwd_1", "ep_1", "rule_1", 1, variant, RewardType.AccountCredit, amount, currency, null, null, null, null, Now,
            Now.AddDays(30), RewardGrant.Immediate, null);

    [Fact]
    public void Placeholders_are_filled_spaces_allowed_and_a_missing_value_leaves_nothing()
    {
        MessageTemplate.Render("Hi {{ customer.id }}, {{customer.email}}!", new Dictionary<string, string?> { ["customer.id"] = "cus_7" })
            .ShouldBe("Hi cus_7, !");
        MessageTemplate.PlaceholdersIn("{{a}} and {{ b.c }}").ShouldBe(["a", "b.c"]);
    }

    [Fact]
    public void The_rules_message_is_rendered_with_the_amount_in_major_units_and_the_expiry_in_utc()
    {
        var rule = RuleSpecs.Definition() with
        {
            Name = "Autumn", Message = new Message("{{rule.name}} for {{customer.id}}", "{{reward.amount}} {{reward.currency}} until {{reward.expiresAt}} ({{customer.email}})"),
        };
        var message = RewardMessage.Render(rule, Issued(), "ada@example.com")!;
        message.Subject.ShouldBe("Autumn for cus_7");
        message.Body.ShouldBe("10.50 eur until 2026-12-24T09:00:00Z (ada@example.com)");
        RewardMessage.MajorUnits(500, "jpy").ShouldBe("500");
    }

    [Fact]
    public void A_variants_own_message_wins_and_a_rule_without_one_has_none()
    {
        var rule = RuleSpecs.Definition() with
        {
            Message = new Message("rule", "rule"),
            Experiment = new Experiment(0, [new Variant("A", 1, null, null, new Message("A: {{reward.type}}", "A")), new Variant("B", 1, null, null, null)]),
        };
        RewardMessage.Render(rule, Issued("A"), null)!.Subject.ShouldBe("A: account_credit");
        RewardMessage.Render(rule, Issued("B"), null)!.Subject.ShouldBe("rule");
        RewardMessage.Render(rule with { Message = null }, Issued("B"), null).ShouldBeNull();
    }

    [Fact]
    public void An_endpoint_is_disabled_after_five_days_of_failures_only()
    {
        EndpointHealth.ShouldDisable(Now, Now.AddDays(5).AddSeconds(-1)).ShouldBeFalse();
        EndpointHealth.ShouldDisable(Now, Now.AddDays(5)).ShouldBeTrue();
    }
}
