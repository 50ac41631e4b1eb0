namespace WinBack.Domain.Common;

/// <summary>How a refused command relates to the object's state; the API maps each kind to one HTTP status.</summary>
public enum Violation
{
    /// <summary>The command is invalid in itself (HTTP 422).</summary>
    Unprocessable,
    /// <summary>The command clashes with the object's current state (HTTP 409).</summary>
    Conflict,
    /// <summary>The command was made against an older version of the object (HTTP 412).</summary>
    StaleVersion,
}

/// <summary>A decider refused a command. <see cref="Code"/> is the stable machine code the API returns.</summary>
public sealed class DomainRuleViolated(string code, string message, Violation kind = Violation.Unprocessable) : Exception(message)
{
    public string Code { get; } = code;
    public Violation Kind { get; } = kind;

    public static DomainRuleViolated Conflict(string code, string message) => new(code, message, Violation.Conflict);
}
