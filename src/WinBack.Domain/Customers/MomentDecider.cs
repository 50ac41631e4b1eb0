using WinBack.Domain.Rules;

namespace WinBack.Domain.Customers;

/// <summary>
/// Fires the moment rules (<see cref="Moments"/>): the first active moment rule, by priority, whose next moment for the customer has
/// come by the sweep's time records it (<see cref="MomentReached"/>, at the moment itself) and issues or withholds the reward under the
/// same eligibility, holdout and guard rails as a lapse. Moment rules do not compete: each fires its own moments, one per decision,
/// and a moment already reached is in the customer's state, so deciding again (a re-sweep, a restart) fires nothing twice.
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
            if (Moments.Next(trigger, customer, context) is not { } moment || moment.At > command.Now)
                continue;
            var reached = new MomentReached(customer.Id, command.EpisodeId, rule.Id, rule.Version, arm?.Name ?? Variant.Holdout, trigger.Type,
                moment.Key, moment.At, command.Now, customer.Attributes, definition.AttributionDays);
            var withheld = RuleAudience.Check(definition.Eligibility, customer) is not null ? WithheldReason.Ineligible
                : LapseDecider.Withheld(rule, arm, customer, command.Now);
            return withheld is { } reason
                ? [reached, new RewardWithheld(customer.Id, command.EpisodeId, rule.Id, reason, command.Now)]
                : [reached, LapseDecider.Issue(command, customer.Id, rule, arm!, window: null)];
        }
        return [];
    }
}
