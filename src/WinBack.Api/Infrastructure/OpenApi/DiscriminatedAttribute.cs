using System.Reflection;

namespace WinBack.Api.Infrastructure.OpenApi;

/// <summary>
/// A flat request type whose <c>type</c> decides which of its fields apply (a rule's reward, its trigger): the document shows it
/// as <c>oneOf</c> its variants with a <c>discriminator</c> on <c>type</c>, so that generated clients get one class per variant.
/// The variants are read from the static member <c>member</c> of <c>source</c>, the table the validator checks too.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class DiscriminatedAttribute(Type source, string member) : Attribute
{
    public IReadOnlyList<SchemaVariant> Variants =>
        (IReadOnlyList<SchemaVariant>)(source.GetField(member, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)?.GetValue(null)
                                       ?? throw new InvalidOperationException($"{source.Name}.{member} is not a static field."));
}

/// <summary>One variant: its schema name, its <c>type</c> value, and the fields (wire names) it requires and may have.</summary>
public sealed record SchemaVariant(string SchemaName, string Type, IReadOnlyList<string> Required, IReadOnlyList<string> Optional);
