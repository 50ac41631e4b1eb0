using WinBack.Domain.Common;

namespace WinBack.Domain.Rules;

public sealed record CreateRule(string RuleId, RuleDefinition Definition, string By, DateTimeOffset Now);

/// <param name="ExpectedVersion">The version the admin edited; a newer one means they would overwrite a change unseen.</param>
public sealed record ReviseRule(int ExpectedVersion, RuleDefinition Definition, string By, DateTimeOffset Now);

public sealed record ActivateRule(string By, DateTimeOffset Now);

public sealed record PauseRule(string By, DateTimeOffset Now);

public sealed record ArchiveRule(string By, DateTimeOffset Now);

/// <summary>
/// Status changes: draft → active ⇄ paused, and any of them → archived, which is final and read-only.
/// Asking for the status a rule already has changes nothing, so retries are harmless.
/// </summary>
public static class RuleDecider
{
    public const string ArchivedCode = "rule_archived";
    public const string NotActiveCode = "rule_not_active";
    public const string VersionMismatchCode = "version_mismatch";

    public static RuleCreated Decide(CreateRule command) =>
        new(command.RuleId, command.Definition, command.By, command.Now);

    public static IReadOnlyList<IRuleEvent> Decide(ReviseRule command, Rule state)
    {
        EnsureNotArchived(state, "revised");
        if (command.ExpectedVersion != state.Version)
            throw VersionMismatch(state.Version, command.ExpectedVersion);
        return [new RuleRevised(state.Id, state.Version + 1, command.Definition, command.By, command.Now)];
    }

    public static IReadOnlyList<IRuleEvent> Decide(ActivateRule command, Rule state)
    {
        EnsureNotArchived(state, "activated");
        return state.Status == RuleStatus.Active ? [] : [new RuleActivated(state.Id, command.By, command.Now)];
    }

    public static IReadOnlyList<IRuleEvent> Decide(PauseRule command, Rule state) => state.Status switch
    {
        RuleStatus.Paused => [],
        RuleStatus.Active => [new RulePaused(state.Id, command.By, command.Now)],
        RuleStatus.Draft => throw DraftCannotPause(),
        _ => throw Archived("paused"),
    };

    public static IReadOnlyList<IRuleEvent> Decide(ArchiveRule command, Rule state) =>
        state.Status == RuleStatus.Archived ? [] : [new RuleArchived(state.Id, command.By, command.Now)];

    private static void EnsureNotArchived(Rule state, string verb)
    {
        if (state.Status == RuleStatus.Archived)
            throw Archived(verb);
    }

    public static DomainRuleViolated VersionMismatch(int current, int expected) => new(VersionMismatchCode,
        $"The rule is at version {current}, but the change was made to version {expected}. Read the rule again, re-apply the " +
        $"change and send If-Match: \"{current}\".", Violation.StaleVersion);

    public static DomainRuleViolated DraftCannotPause() =>
        DomainRuleViolated.Conflict(NotActiveCode, "A draft rule has never run, so it cannot be paused; activate it first.");

    public static DomainRuleViolated Archived(string verb) =>
        DomainRuleViolated.Conflict(ArchivedCode, $"The rule is archived and read-only; it cannot be {verb}. Create a new rule instead.");
}
