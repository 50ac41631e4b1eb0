using System.Reflection;
using System.Text.RegularExpressions;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Architecture;

/// <summary>
/// The dependency rule of docs/architecture.md: Host → Features → Domain; Infrastructure → Domain; no arrow back.
/// Infrastructure names no feature, and a feature names only what another feature publishes (<see cref="PublishedAttribute"/>).
/// </summary>
public sealed partial class DependencyTests
{
    private static readonly Assembly Api = typeof(IFeature).Assembly;
    private const string FeaturesNamespace = "WinBack.Api.Features.";

    [Fact]
    public void Infrastructure_names_no_feature()
    {
        var features = FeatureTypes().Select(t => FeatureOf(t)).Distinct().ToArray();
        var offences = SourceFiles("Infrastructure")
            .SelectMany(file => Lines(file)
                .Where(line => line.Text.Contains("WinBack.Api.Features", StringComparison.Ordinal)
                    || features.Any(f => Regex.IsMatch(line.Text, $@"\bFeatures\.{f}\b")))
                .Select(line => $"{file}:{line.Number}: {line.Text.Trim()}"))
            .ToList();
        offences.ShouldBeEmpty();
    }

    [Fact]
    public void A_feature_names_only_what_another_feature_publishes()
    {
        var own = FeatureTypes().Where(t => t.GetCustomAttribute<PublishedAttribute>() is null).ToList();
        own.ShouldNotBeEmpty();
        var offences = new List<string>();
        foreach (var file in SourceFiles("Features"))
        {
            var feature = Path.GetFileName(Path.GetDirectoryName(file))!;
            var text = string.Join('\n', Lines(file).Select(l => l.Text));
            offences.AddRange(own
                .Where(type => FeatureOf(type) != feature && Names(text, type))
                .Select(type => $"{Path.GetRelativePath(SourceRoot(), file)} names {FeatureOf(type)}.{type.Name}, which that feature does not publish"));
        }
        offences.ShouldBeEmpty();
    }

    [Fact]
    public void The_domain_references_no_package_and_nothing_of_the_api()
    {
        var references = typeof(Domain.Common.Money).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        references.ShouldAllBe(name => name == "System.Runtime" || name.StartsWith("System.", StringComparison.Ordinal) || name == "netstandard");
    }

    [Fact]
    public void Every_feature_folder_has_one_module()
    {
        var folders = Directory.GetDirectories(Path.Combine(SourceRoot(), "Features")).Select(Path.GetFileName).Order().ToList();
        var modules = Api.GetTypes().Where(t => typeof(IFeature).IsAssignableFrom(t) && !t.IsInterface)
            .Select(t => FeatureOf(t)).Order().ToList();
        modules.ShouldBe(folders!);
    }

    // The type's name as code, not a member of the same name: not after "variable." and not a property set in an
    // initializer (Stripe's "ApiKey = ..."). A qualified name ("Stripe.StripeConnection") counts.
    private static bool Names(string text, Type type) =>
        Regex.IsMatch(text, $@"(?<!\w)(?<!\b[a-z_]\w*\.){Regex.Escape(type.Name)}\b(?!\s*=[^=>])");

    // Top-level types of the feature folders; nested types are reached only through their parent.
    private static IEnumerable<Type> FeatureTypes() => Api.GetTypes().Where(t =>
        t.Namespace?.StartsWith(FeaturesNamespace, StringComparison.Ordinal) == true && !t.IsNested
        && t.GetCustomAttribute<System.Runtime.CompilerServices.CompilerGeneratedAttribute>() is null && !t.Name.StartsWith('<'));

    private static string FeatureOf(Type type) => type.Namespace![FeaturesNamespace.Length..].Split('.')[0];

    private static IEnumerable<string> SourceFiles(string folder) =>
        Directory.EnumerateFiles(Path.Combine(SourceRoot(), folder), "*.cs", SearchOption.AllDirectories);

    // Code only: comments may name anything (a "see" reference explains, it does not depend).
    private static IEnumerable<(int Number, string Text)> Lines(string file) => File.ReadLines(file)
        .Select((text, i) => (i + 1, CommentPattern().Replace(text, "")))
        .Where(line => line.Item2.Trim().Length > 0);

    private static string SourceRoot() => Path.Combine(Repository.Root, "src", "WinBack.Api");

    [GeneratedRegex(@"//.*$")]
    private static partial Regex CommentPattern();
}
