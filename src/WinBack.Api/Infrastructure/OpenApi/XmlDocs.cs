using System.Reflection;
using System.Xml.Linq;

namespace WinBack.Api.Infrastructure.OpenApi;

/// <summary>Reads the compiler's XML documentation, so that a DTO property's summary documents its parameter.</summary>
public sealed class XmlDocs
{
    private readonly Dictionary<string, string> _summaries;

    private XmlDocs(Dictionary<string, string> summaries) => _summaries = summaries;

    public static string FilePath => Path.Combine(AppContext.BaseDirectory, $"{typeof(XmlDocs).Assembly.GetName().Name}.xml");

    public static XmlDocs Load()
    {
        if (!File.Exists(FilePath))
            return new XmlDocs([]);
        var summaries = XDocument.Load(FilePath).Descendants("member")
            .Where(m => m.Attribute("name") is not null && m.Element("summary") is not null)
            .ToDictionary(m => m.Attribute("name")!.Value, m => Normalize(m.Element("summary")!));
        return new XmlDocs(summaries);
    }

    public string? For(PropertyInfo property) =>
        _summaries.GetValueOrDefault($"P:{property.DeclaringType!.FullName}.{property.Name}");

    // <c>x</c> becomes x; whitespace from indentation collapses to single spaces.
    private static string Normalize(XElement summary) =>
        string.Join(' ', string.Concat(summary.Nodes().Select(n => n is XElement e ? e.Value : n.ToString()))
            .Split((char[])[' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries))
            .Replace("&lt;", "<").Replace("&gt;", ">").Replace("&amp;", "&");
}
