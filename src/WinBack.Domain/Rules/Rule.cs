namespace WinBack.Domain.Rules;

/// <summary>A rule's current state, folded from its stream.</summary>
public sealed record Rule
{
    public required string Id { get; init; }
    public RuleStatus Status { get; init; } = RuleStatus.Draft;
    /// <summary>The definition's version: 1 on creation, +1 per revision. Status changes keep it.</summary>
    public int Version { get; init; } = 1;
    public required RuleDefinition Definition { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public DateTimeOffset? ActivatedAt { get; init; }

    public static Rule Evolve(Rule? state, object @event) => @event switch
    {
        RuleCreated e => new Rule { Id = e.RuleId, Definition = e.Definition, CreatedAt = e.CreatedAt, UpdatedAt = e.CreatedAt },
        RuleRevised e => Existing(state, e) with { Version = e.Version, Definition = e.Definition, UpdatedAt = e.RevisedAt },
        RuleActivated e => Existing(state, e) with { Status = RuleStatus.Active, ActivatedAt = e.ActivatedAt, UpdatedAt = e.ActivatedAt },
        RulePaused e => Existing(state, e) with { Status = RuleStatus.Paused, UpdatedAt = e.PausedAt },
        RuleArchived e => Existing(state, e) with { Status = RuleStatus.Archived, UpdatedAt = e.ArchivedAt },
        _ => throw new InvalidOperationException($"A rule stream cannot hold {@event.GetType().Name}."),
    };

    private static Rule Existing(Rule? state, object @event) =>
        state ?? throw new InvalidOperationException($"A rule stream cannot start with {@event.GetType().Name}.");
}
