namespace WinBack.Api.Infrastructure.Hosting;

/// <summary>
/// Marks what a feature offers the others: a published query or service, a projection's read model, or a view shape.
/// Everything else in a feature folder is its own; the architecture test fails when another feature names it.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Enum | AttributeTargets.Interface, Inherited = false)]
public sealed class PublishedAttribute : Attribute;
