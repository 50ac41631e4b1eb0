using WinBack.Domain.Rules;

namespace WinBack.Domain.Customers;

/// <summary>
/// Fires the moment rules (<see cref="Moments"/>): the first active moment rule, by priority, whose next moment for the customer has
/// come by the sweep's time records it (<see cref="MomentReached"/>, at the moment itself) and issues or withholds the reward under the
/// same eligibility, holdout and guard rails as a lapse. Moment rules do not compete: each fires its own moments, one per decision,
/// and a moment already reached is in the customer's state, so deciding again (a re-sweep, a restart) fires nothing twice.
/// Signal rules (<see cref="Signals"/>) are moment rules whose next step may also be a re-arm, which closes their episode.
/// </summary>
public static class MomentDecider
{
    public static IReadOnlyList<ICustomerEvent> Decide(DetectLapse command, Customer customer)
    {
        foreach (var rule in command.Rules)
        {
            var definition = rule.Definition;
            if (!Moments.IsMoment(definition.Trigger.Type))
                continue;
            var arm = ExperimentAssignment.ArmFor(command.TenantId, rule.Id, customer.Id, definition);
            var trigger = definition.Trigger with { Days = definition.TriggerDaysOf(arm) };
            var context = (command.Context ?? TriggerContext.None).ForRule(rule.Id, rule.ActiveSince);
            if (Signals.IsSignal(trigger.Type))
            {
                if (DecideSignal(command, customer, rule, arm, trigger, context) is { Count: > 0 } signal)
                    return signal;
                continue;
            }
            if (Moments.Next(trigger, customer, context) is not { } moment || moment.At > command.Now)
                continue;
            return Fire(command, customer, rule, arm, trigger.Type, moment);
        }
        return [];
    }

    // A re-arm due closes the episode; a crossing due after it (or with none open) fires. Both can be due at once after a late activity.
    private static IReadOnlyList<ICustomerEvent> DecideSignal(DetectLapse command, Customer customer, ActiveRule rule, Variant? arm, Trigger trigger,
        TriggerContext context)
    {
        if (Signals.Next(trigger, customer, context) is not { } step || step.At > command.Now)
            return [];
        if (step.Action == SignalAction.Fire)
            return Fire(command, customer, rule, arm, trigger.Type, Key(trigger, step.At));
        var rearmed = new SignalRearmed(customer.Id, rule.Id, step.At, command.Now);
        var after = Customer.Evolve(customer, rearmed);
        return Signals.Next(trigger, after, context) is { Action: SignalAction.Fire } next && next.At <= command.Now
            ? [rearmed, .. Fire(command, after, rule, arm, trigger.Type, Key(trigger, next.At))]
            : [rearmed];
    }

    private static Moment Key(Trigger trigger, DateTimeOffset at) =>
        new(at, $"{(trigger.Type == TriggerType.UsageDecline ? "usage_decline" : "contact_burst")}:{at.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}");

    private static IReadOnlyList<ICustomerEvent> Fire(DetectLapse command, Customer customer, ActiveRule rule, Variant? arm, TriggerType type, Moment moment)
    {
        var definition = rule.Definition;
        var reached = new MomentReached(customer.Id, command.EpisodeId, rule.Id, rule.Version, arm?.Name ?? Variant.Holdout, type,
            moment.Key, moment.At, command.Now, customer.Attributes, definition.AttributionDays);
        var withheld = RuleAudience.Check(definition.Eligibility, customer, command.Now) is not null ? WithheldReason.Ineligible
            : LapseDecider.Withheld(rule, arm, customer, command.Now);
        return withheld is { } reason
            ? [reached, new RewardWithheld(customer.Id, command.EpisodeId, rule.Id, reason, command.Now)]
            : [reached, LapseDecider.Issue(command, customer.Id, rule, arm!, window: null) with { TriggeredAt = moment.At }];
    }
}
