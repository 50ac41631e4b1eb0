using System.Reflection;
using System.Xml.Linq;

namespace WinBack.Api.Infrastructure.OpenApi;

/// <summary>Reads the compiler's XML documentation, so that a DTO property's summary documents its parameter.</summary>
public sealed class XmlDocs
{
    private readonly Dictionary<string, string> _summaries;

    private XmlDocs(Dictionary<string, string> summaries) => _summaries = summaries;

    /// <summary>The API's documentation file and the domain's (whose enums and records the API shows).</summary>
    public static IReadOnlyList<string> FilePaths =>
        new[] { typeof(XmlDocs).Assembly, typeof(Domain.Common.Money).Assembly }
            .Select(a => Path.Combine(AppContext.BaseDirectory, $"{a.GetName().Name}.xml"))
            .Where(File.Exists)
            .ToList();

    public static XmlDocs Load()
    {
        var summaries = FilePaths.SelectMany(path => XDocument.Load(path).Descendants("member"))
            .Where(m => m.Attribute("name") is not null && m.Element("summary") is not null)
            // Generated helpers (regex utilities) appear in both files; the first wins.
            .DistinctBy(m => m.Attribute("name")!.Value)
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
