namespace WinBack.Domain.Common;

/// <summary>
/// A decider refused a command. <see cref="Code"/> is the stable machine code the API returns.
/// <see cref="IsConflict"/> says the command clashes with the object's current state (HTTP 409) rather than
/// being invalid in itself (HTTP 422).
/// </summary>
public sealed class DomainRuleViolated(string code, string message, bool isConflict = false) : Exception(message)
{
    public string Code { get; } = code;
    public bool IsConflict { get; } = isConflict;

    public static DomainRuleViolated Conflict(string code, string message) => new(code, message, isConflict: true);
}
