namespace WinBack.Domain.Common;

/// <summary>A decider refused a command. <see cref="Code"/> is the stable machine code the API returns.</summary>
public sealed class DomainRuleViolated(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
