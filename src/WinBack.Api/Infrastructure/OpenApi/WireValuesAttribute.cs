using System.Collections;
using System.Reflection;

namespace WinBack.Api.Infrastructure.OpenApi;

/// <summary>
/// A string field (or a list of strings) that takes a fixed set of values, documented as the named enum schema
/// <see cref="SchemaName"/>: one schema per set, shared by every field that takes it. The values are read from the static
/// member <c>member</c> of <c>source</c> (a list of strings, or a dictionary's keys), the same list the code uses.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class WireValuesAttribute(string schemaName, Type source, string member) : Attribute
{
    public string SchemaName => schemaName;

    public IReadOnlyList<string> Values
    {
        get
        {
            const BindingFlags flags = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static;
            var value = source.GetField(member, flags)?.GetValue(null) ?? source.GetProperty(member, flags)?.GetValue(null)
                ?? throw new InvalidOperationException($"{source.Name}.{member} is not a static field or property.");
            return (value is IDictionary map ? map.Keys : (IEnumerable)value).Cast<string>().ToList();
        }
    }
}
