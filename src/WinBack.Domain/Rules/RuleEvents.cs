namespace WinBack.Domain.Rules;

public enum RuleStatus { Draft, Active, Paused, Archived }

/// <summary>Marks the events of rule streams, so that projections pick exactly these.</summary>
public interface IRuleEvent
{
    string RuleId { get; }
}

/// <param name="CreatedBy">The API key that made the change.</param>
public sealed record RuleCreated(string RuleId, RuleDefinition Definition, string CreatedBy, DateTimeOffset CreatedAt) : IRuleEvent;

/// <summary>A new immutable version; earlier versions stay in the stream.</summary>
public sealed record RuleRevised(string RuleId, int Version, RuleDefinition Definition, string RevisedBy, DateTimeOffset RevisedAt) : IRuleEvent;

public sealed record RuleActivated(string RuleId, string ActivatedBy, DateTimeOffset ActivatedAt) : IRuleEvent;

public sealed record RulePaused(string RuleId, string PausedBy, DateTimeOffset PausedAt) : IRuleEvent;

public sealed record RuleArchived(string RuleId, string ArchivedBy, DateTimeOffset ArchivedAt) : IRuleEvent;
