using System.Text.RegularExpressions;
using FluentValidation;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Common;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;
using WinBack.Domain.Webhooks;

namespace WinBack.Api.Features.Rules;

/// <summary>Every rule a definition must meet; each failure names its field by its JSON path.</summary>
[Published]
public sealed partial class RuleFieldsValidator : AbstractValidator<RuleFields>
{
    public const int MaxDays = 3650;
    /// <summary>The longest pause or trial extension a save offer gives.</summary>
    public const int MaxSaveDays = 365;

    /// <summary>The largest account credit one reward may carry, in minor units (Stripe's limit for one amount).</summary>
    public const long MaxRewardAmount = 100_000_000;

    public RuleFieldsValidator()
    {
        RuleFor(x => x.Name).NotEmpty().MaximumLength(100);
        RuleFor(x => x.Priority).InclusiveBetween(0, 1000);
        RuleFor(x => x.Trigger!).NotNull().SetValidator(new TriggerValidator());
        RuleFor(x => x.Eligibility!).SetValidator(new EligibilityValidator());
        RuleFor(x => x.Reward!).NotNull().SetValidator(new RewardValidator());
        RuleFor(x => x.Limits!).SetValidator(new LimitsValidator());
        RuleFor(x => x.Experiment!).SetValidator(new ExperimentValidator());
        RuleFor(x => x.Message!).SetValidator(new MessageValidator());
        RuleFor(x => x.AttributionDays).InclusiveBetween(1, 365);
        RuleFor(x => x).Custom(BudgetsMatchTheRewards);
        RuleForEach(x => x.Experiment!.Variants).Must(v => v?.Trigger is null)
            .When(x => x.Trigger?.Type is { } type && !RuleTrigger.HasDays(type) && x.Experiment?.Variants is not null)
            .WithMessage("A rule whose trigger has no days (at_risk, and every moment but welcome) cannot override the trigger in its variants.");
        RuleFor(x => x.Reward!.Grant).NotEqual(RewardGrant.OnReturn)
            .When(x => x.Trigger?.Type is { } type && Moments.IsMoment(type) && x.Reward is not null)
            .WithMessage("A moment rule's reward is for a customer who has not lapsed: its grant is immediate.");
        RuleForEach(x => x.Experiment!.Variants).Must(v => v?.Reward?.Grant != RewardGrant.OnReturn)
            .When(x => x.Trigger?.Type is { } type && Moments.IsMoment(type) && x.Experiment?.Variants is not null)
            .WithMessage("A moment rule's reward is for a customer who has not lapsed: its variants' grant is immediate.");
        RuleFor(x => x).Custom(SaveRewardsOnlyForSaveOffers);
    }

    // A pause or trial extension acts on the subscription the cancel flow names, so only a save offer can give one; and a save offer's
    // reward is given at the accept, never on a return.
    private static void SaveRewardsOnlyForSaveOffers(RuleFields rule, ValidationContext<RuleFields> context)
    {
        var save = rule.Trigger?.Type == TriggerType.CancellationIntent;
        var rewards = new List<(RuleReward? Reward, string Path)> { (rule.Reward, "Reward") };
        rewards.AddRange(rule.Experiment?.Variants?.Select((v, i) => (v?.Reward, $"Experiment.Variants[{i}].Reward")) ?? []);
        foreach (var (reward, path) in rewards.Where(r => r.Reward is not null))
        {
            if (!save && reward!.Type is RewardType.Pause or RewardType.TrialExtension)
                context.AddFailure($"{path}.Type", "pause and trial_extension are only for cancellation_intent rules (save offers).");
            if (save && reward!.Grant == RewardGrant.OnReturn)
                context.AddFailure($"{path}.Grant", "A save offer's reward is given when the customer accepts: its grant is immediate.");
        }
    }

    // A budget counts credit, so every arm must issue account credit in the budget's currency.
    private static void BudgetsMatchTheRewards(RuleFields rule, ValidationContext<RuleFields> context)
    {
        var rewards = new List<RuleReward?> { rule.Reward };
        rewards.AddRange(rule.Experiment?.Variants?.Select(v => v?.Reward).Where(r => r is not null) ?? []);
        foreach (var (budget, path) in new[] { (rule.Limits?.TotalBudget, "Limits.TotalBudget"), (rule.Limits?.DailyBudget, "Limits.DailyBudget") })
        {
            if (budget?.Currency is not { } currency || !Money.IsCurrencyCode(currency))
                continue;
            if (rewards.Any(r => r is not null && r.Type is not null && r.Type != RewardType.AccountCredit))
                context.AddFailure($"{path}", "A budget counts account credit; it is only for rules whose rewards (variants included) are all account_credit.");
            else if (rewards.Any(r => r?.Currency is { } c && Money.IsCurrencyCode(c) && !string.Equals(c, currency, StringComparison.OrdinalIgnoreCase)))
                context.AddFailure($"{path}.Currency", "A budget must be in the reward's currency (variants included).");
        }
        if (rule.Limits is { TotalBudget: { Amount: { } total, Currency: { } tc }, DailyBudget: { Amount: { } daily, Currency: { } dc } }
            && string.Equals(tc, dc, StringComparison.OrdinalIgnoreCase) && daily > total)
            context.AddFailure("Limits.DailyBudget.Amount", "'dailyBudget' cannot be more than 'totalBudget'.");
    }

    private sealed class TriggerValidator : AbstractValidator<RuleTrigger>
    {
        public const int MaxDaysBefore = 60, MaxYears = 20, MaxYear = 100, MaxCount = 1_000_000, MaxActivities = 20, MaxSignalDays = 365;
        public const double MaxRearmAbove = 100;

        public TriggerValidator()
        {
            RuleFor(x => x.Type).NotNull();
            RuleFor(x => x.Days).NotNull().InclusiveBetween(1, MaxDays).When(x => RuleTrigger.HasDays(x.Type) && x.Type != TriggerType.Welcome);
            RuleFor(x => x.Days).NotNull().InclusiveBetween(0, MaxDays).When(x => x.Type == TriggerType.Welcome);
            RuleFor(x => x.Days).Null().When(x => x.Type is not null && !RuleTrigger.HasDays(x.Type))
                .WithMessage(x => $"'days' is not used by the {Wire(x.Type)} trigger.");
            RuleFor(x => x.ActivityTypes).Null().When(x => x.Type is not null and not TriggerType.Inactivity)
                .WithMessage("'activityTypes' is only for the inactivity trigger.");
            RuleFor(x => x.PersonalWindow).Null().When(x => x.Type is not null and not TriggerType.Inactivity)
                .WithMessage("'personalWindow' is only for the inactivity trigger.");
            RuleFor(x => x.PersonalWindow!.Multiple).NotNull().GreaterThan(0).LessThanOrEqualTo(PersonalWindow.MaxMultiple)
                .When(x => x.PersonalWindow is not null);
            RuleFor(x => x.PersonalWindow!.MinPurchases).InclusiveBetween(PersonalWindow.MinMinPurchases, PersonalWindow.MaxMinPurchases)
                .When(x => x.PersonalWindow is not null);
            RuleFor(x => x.PAliveBelow).NotNull().When(x => x.Type == TriggerType.AtRisk)
                .WithMessage("'pAliveBelow' is required for the at_risk trigger.");
            RuleFor(x => x.PAliveBelow).ExclusiveBetween(0d, 1d).When(x => x.Type == TriggerType.AtRisk)
                .WithMessage("'pAliveBelow' must be strictly between 0 and 1.");
            Only(x => x.PAliveBelow, "pAliveBelow", TriggerType.AtRisk);
            Only(x => x.Count, "count", TriggerType.NthPurchase, TriggerType.ContactBurst);
            RuleFor(x => x.Count).NotNull().WithMessage("'count' is required for the nth_purchase trigger.").InclusiveBetween(1, MaxCount)
                .When(x => x.Type == TriggerType.NthPurchase);
            SignalRules();
            Only(x => x.Amount, "amount", TriggerType.LifetimeValueReached);
            Only(x => x.Currency, "currency", TriggerType.LifetimeValueReached);
            When(x => x.Type == TriggerType.LifetimeValueReached, () =>
            {
                RuleFor(x => x.Amount).NotNull().WithMessage("'amount' is required for the lifetime_value_reached trigger.").InclusiveBetween(1, Money.MaxAmount);
                RuleFor(x => x.Currency).NotNull().WithMessage("'currency' is required for the lifetime_value_reached trigger.")
                    .Must(Money.IsCurrencyCode, DocumentedRules.CurrencyCode).WithMessage($"'currency' {Money.CurrencyRule}");
            });
            Only(x => x.Years, "years", TriggerType.Anniversary);
            Only(x => x.From, "from", TriggerType.Anniversary);
            RuleFor(x => x.Years).NotNull().WithMessage("'years' is required for the anniversary trigger.")
                .Must(y => y!.Count is >= 1 and <= MaxYears, DocumentedRules.Items(1, MaxYears))
                .WithMessage($"'years' takes 1 to {MaxYears} anniversaries.")
                .Must(y => y!.All(year => year is >= 1 and <= MaxYear)).WithMessage($"Each of 'years' is 1 to {MaxYear}.")
                .When(x => x.Type == TriggerType.Anniversary);
            Only(x => x.DaysBefore, "daysBefore", TriggerType.Birthday);
            RuleFor(x => x.DaysBefore).InclusiveBetween(0, MaxDaysBefore).When(x => x.Type == TriggerType.Birthday);
        }

        // The churn signals' ranges (issue 25): 400 naming the field outside them.
        private void SignalRules()
        {
            Only(x => x.Activities, "activities", TriggerType.UsageDecline);
            Only(x => x.RecentDays, "recentDays", TriggerType.UsageDecline);
            Only(x => x.BaselineDays, "baselineDays", TriggerType.UsageDecline);
            Only(x => x.DropBelow, "dropBelow", TriggerType.UsageDecline);
            Only(x => x.RearmAbove, "rearmAbove", TriggerType.UsageDecline);
            Only(x => x.MinBaseline, "minBaseline", TriggerType.UsageDecline);
            Only(x => x.Activity, "activity", TriggerType.ContactBurst);
            Only(x => x.WithinDays, "withinDays", TriggerType.ContactBurst);
            When(x => x.Type == TriggerType.UsageDecline, () =>
            {
                RuleFor(x => x.Activities).NotNull().WithMessage("'activities' is required for the usage_decline trigger.")
                    .Must(a => a!.Count is >= 1 and <= MaxActivities, DocumentedRules.Items(1, MaxActivities))
                    .WithMessage($"'activities' takes 1 to {MaxActivities} activity kinds.");
                RuleForEach(x => x.Activities).Must(ActivityKinds.IsValid).WithMessage($"Each of 'activities' is {ActivityKinds.Rule}.");
                RuleFor(x => x.RecentDays).NotNull().WithMessage("'recentDays' is required for the usage_decline trigger.").InclusiveBetween(1, MaxSignalDays);
                RuleFor(x => x.BaselineDays).NotNull().WithMessage("'baselineDays' is required for the usage_decline trigger.").InclusiveBetween(1, MaxSignalDays);
                RuleFor(x => x.DropBelow).NotNull().WithMessage("'dropBelow' is required for the usage_decline trigger.")
                    .ExclusiveBetween(0d, 1d).WithMessage("'dropBelow' must be strictly between 0 and 1.");
                RuleFor(x => x.RearmAbove).Must((x, rearm) => rearm > x.DropBelow && rearm <= MaxRearmAbove)
                    .When(x => x.RearmAbove is not null && x.DropBelow is not null)
                    .WithMessage($"'rearmAbove' must be greater than 'dropBelow' and at most {MaxRearmAbove}.");
                RuleFor(x => x.MinBaseline).NotNull().WithMessage("'minBaseline' is required for the usage_decline trigger.").InclusiveBetween(1, MaxCount);
            });
            When(x => x.Type == TriggerType.ContactBurst, () =>
            {
                RuleFor(x => x.Activity).NotNull().WithMessage("'activity' is required for the contact_burst trigger.")
                    .Must(ActivityKinds.IsValid).WithMessage($"'activity' is {ActivityKinds.Rule}.");
                RuleFor(x => x.Count).NotNull().WithMessage("'count' is required for the contact_burst trigger.").InclusiveBetween(2, MaxCount);
                RuleFor(x => x.WithinDays).NotNull().WithMessage("'withinDays' is required for the contact_burst trigger.").InclusiveBetween(1, MaxSignalDays);
            });
        }

        // A field of some trigger types is refused on the others, so that a rule says nothing it does not do.
        private void Only<TField>(System.Linq.Expressions.Expression<Func<RuleTrigger, TField?>> field, string name, params TriggerType[] types) =>
            RuleFor(field).Must(v => v is null).When(x => x.Type is { } type && !types.Contains(type))
                .WithMessage($"'{name}' is only for the {string.Join(" trigger and the ", types.Select(t => Wire(t)))} trigger.");

        private static string Wire(TriggerType? type) => type is { } t ? StrictEnumConverter.WireName(t) : "";
    }

    private sealed class EligibilityValidator : AbstractValidator<RuleEligibility>
    {
        public EligibilityValidator()
        {
            RuleFor(x => x.MinLifetimeValue!).SetValidator(new MoneyValidator(minimum: 0));
            RuleFor(x => x.MaxLifetimeValue!).SetValidator(new MoneyValidator(minimum: 0));
            RuleFor(x => x.MaxLifetimeValue!.Amount)
                .Must((e, max) => max >= e.MinLifetimeValue!.Amount)
                .When(e => e.MinLifetimeValue?.Amount is not null && e.MaxLifetimeValue?.Amount is not null
                           && string.Equals(e.MinLifetimeValue.Currency, e.MaxLifetimeValue.Currency, StringComparison.OrdinalIgnoreCase))
                .WithMessage("'maxLifetimeValue' cannot be less than 'minLifetimeValue'.");
            RuleFor(x => x.MinOrderCount).InclusiveBetween(0, 1_000_000);
            RuleFor(x => x.MinCustomerDays).InclusiveBetween(0, 36_500);
            RuleFor(x => x.Attributes).Must(a => a!.Count <= 20, DocumentedRules.Map(20, 100, 500)).When(x => x.Attributes is not null)
                .WithMessage("'attributes' takes up to 20 filters.");
            RuleForEach(x => x.Attributes).Must(a => a.Key.Length is > 0 and <= 100 && a.Value.Length <= 500)
                .WithMessage("Attribute names are 1 to 100 characters, values up to 500.");
        }
    }

    internal sealed class RewardValidator : AbstractValidator<RuleReward>
    {
        public RewardValidator()
        {
            RuleFor(x => x.Type).NotNull();
            When(x => x.Type is RewardType.Pause or RewardType.TrialExtension, () =>
            {
                RuleFor(x => x.Days).NotNull().WithMessage("'days' is required for pause and trial_extension.").InclusiveBetween(1, MaxSaveDays);
                RuleFor(x => x.ExpiresInDays).Null().WithMessage("'expiresInDays' is not used by pause and trial_extension: they are applied when given.");
                RuleFor(x => x.Grant).Must(g => g is null or RewardGrant.Immediate).WithMessage("pause and trial_extension are given at once: 'grant' is immediate.");
            }).Otherwise(() =>
            {
                RuleFor(x => x.ExpiresInDays).NotNull().InclusiveBetween(1, MaxDays);
                RuleFor(x => x.Days).Null().WithMessage("'days' is only for pause and trial_extension.");
            });
            When(x => x.Type == RewardType.AccountCredit, () =>
            {
                // One reward is a single Stripe credit, so it keeps Stripe's bound, well inside Money.MaxAmount.
                RuleFor(x => x.Amount).NotNull().WithMessage("'amount' is required for account_credit.").InclusiveBetween(1, MaxRewardAmount);
                RuleFor(x => x.Currency).NotNull().WithMessage("'currency' is required for account_credit.")
                    .Must(Money.IsCurrencyCode, DocumentedRules.CurrencyCode).WithMessage($"'currency' {Money.CurrencyRule}");
            }).Otherwise(() =>
            {
                RuleFor(x => x.Amount).Null().WithMessage("'amount' is only for account_credit.");
                RuleFor(x => x.Currency).Null().WithMessage("'currency' is only for account_credit.");
            });
            When(x => x.Type == RewardType.PercentDiscount, () =>
            {
                RuleFor(x => x.Percent).NotNull().WithMessage("'percent' is required for percent_discount.").InclusiveBetween(1, 100);
                RuleFor(x => x.Uses).InclusiveBetween(1, 100);
            }).Otherwise(() =>
            {
                RuleFor(x => x.Percent).Null().WithMessage("'percent' is only for percent_discount.");
                RuleFor(x => x.Uses).Null().WithMessage("'uses' is only for percent_discount.");
            });
            When(x => x.Type == RewardType.FreeProduct, () =>
                    RuleFor(x => x.Sku).NotEmpty().WithMessage("'sku' is required for free_product.").MaximumLength(100))
                .Otherwise(() => RuleFor(x => x.Sku).Null().WithMessage("'sku' is only for free_product."));
            When(x => x.Type == RewardType.Custom, () =>
                    RuleFor(x => x.Payload).NotNull().WithMessage("'payload' is required for custom.")
                        .Must(p => p!.Value.ValueKind == System.Text.Json.JsonValueKind.Object).WithMessage("'payload' must be a JSON object.")
                        .Must(p => p!.Value.GetRawText().Length <= 4096).WithMessage("'payload' must be at most 4 KiB of JSON."))
                .Otherwise(() => RuleFor(x => x.Payload).Null().WithMessage("'payload' is only for custom."));
        }
    }

    private sealed class LimitsValidator : AbstractValidator<RuleLimits>
    {
        public LimitsValidator()
        {
            RuleFor(x => x.TotalBudget!).SetValidator(new MoneyValidator(minimum: 1));
            RuleFor(x => x.DailyBudget!).SetValidator(new MoneyValidator(minimum: 1));
            RuleFor(x => x.MaxRewardsPerCustomer).InclusiveBetween(1, 100);
            RuleFor(x => x.CooldownDays).InclusiveBetween(0, MaxDays);
        }
    }

    private sealed class ExperimentValidator : AbstractValidator<RuleExperiment>
    {
        public ExperimentValidator()
        {
            RuleFor(x => x.HoldoutPercent).InclusiveBetween(0, 50);
            RuleFor(x => x.Variants).Must(v => v!.Count is >= 1 and <= 10, DocumentedRules.Items(1, 10)).When(x => x.Variants is not null)
                .WithMessage("'variants' takes 1 to 10 variants; leave it out for a single arm.")
                .Must(v => v!.Where(x => x?.Name is not null).GroupBy(x => x.Name!, StringComparer.OrdinalIgnoreCase).All(g => g.Count() == 1))
                .When(x => x.Variants is not null)
                .WithMessage("Variant names must be unique.");
            RuleForEach(x => x.Variants).NotNull().SetValidator(new VariantValidator());
        }
    }

    private sealed partial class VariantValidator : AbstractValidator<RuleVariant>
    {
        public VariantValidator()
        {
            RuleFor(x => x.Name).NotEmpty().MaximumLength(40)
                .Matches(VariantName()).WithMessage("'name' may hold only letters, digits, '-' and '_'.")
                .Must(n => !string.Equals(n, Variant.Holdout, StringComparison.OrdinalIgnoreCase)
                           && !string.Equals(n, Variant.Default, StringComparison.OrdinalIgnoreCase))
                .WithMessage("'holdout' and 'default' are reserved names.");
            RuleFor(x => x.Weight).NotNull().GreaterThan(0).LessThanOrEqualTo(1000);
            RuleFor(x => x.Reward!).SetValidator(new RewardValidator());
            RuleFor(x => x.Trigger!.Days).NotNull().InclusiveBetween(1, MaxDays).When(x => x.Trigger is not null);
            RuleFor(x => x.Message!).SetValidator(new MessageValidator());
        }

        [GeneratedRegex("^[A-Za-z0-9_-]+$")]
        private static partial Regex VariantName();
    }

    private sealed class MessageValidator : AbstractValidator<RuleMessage>
    {
        public MessageValidator()
        {
            RuleFor(x => x.Subject).NotEmpty().MaximumLength(200).Must(KnownPlaceholders).WithMessage(UnknownPlaceholders);
            RuleFor(x => x.Body).NotEmpty().MaximumLength(5000).Must(KnownPlaceholders).WithMessage(UnknownPlaceholders);
        }

        private static bool KnownPlaceholders(string? text) => Unknown(text).Count == 0;

        private static string UnknownPlaceholders(RuleMessage message, string? text) =>
            $"Unknown placeholder {string.Join(", ", Unknown(text).Select(p => "{{" + p + "}}"))}; " +
            $"known: {string.Join(", ", Message.Placeholders.Select(p => "{{" + p + "}}"))}.";

        private static List<string> Unknown(string? text) =>
            text is null ? [] : MessageTemplate.PlaceholdersIn(text).Where(p => !Message.Placeholders.Contains(p)).ToList();
    }

    private sealed class MoneyValidator : AbstractValidator<MoneyAmount>
    {
        public MoneyValidator(long minimum)
        {
            RuleFor(x => x.Amount).NotNull().InclusiveBetween(minimum, Money.MaxAmount);
            RuleFor(x => x.Currency).NotNull().Must(Money.IsCurrencyCode, DocumentedRules.CurrencyCode).WithMessage($"'currency' {Money.CurrencyRule}");
        }
    }
}
