using System.IO.Compression;

namespace WinBack.Dashboard.Tests;

/// <summary>What the page ships: small, local, and free of inline code the CSP would block.</summary>
public sealed class DashboardAssetsTests
{
    private static readonly string Folder = Path.Combine(DashboardPaths.RepositoryRoot(), "src", "WinBack.Api", "wwwroot", "dashboard");

    [Fact]
    public void All_assets_together_are_under_500_kB_gzipped()
    {
        var files = Directory.EnumerateFiles(Folder, "*", SearchOption.AllDirectories).ToList();
        files.ShouldContain(f => f.EndsWith("chart.umd.min.js"));
        var total = files.Sum(Gzipped);
        total.ShouldBeLessThan(500 * 1024, $"{files.Count} files, {total} bytes gzipped");
    }

    [Fact]
    public void The_page_loads_nothing_from_elsewhere_and_has_no_inline_script_or_style()
    {
        var html = File.ReadAllText(Path.Combine(Folder, "index.html"));
        html.ShouldNotContain("http://");
        html.ShouldNotContain("https://");
        html.ShouldNotContain("style=");
        html.ShouldNotContain("<style");
        System.Text.RegularExpressions.Regex.Matches(html, "<script(?![^>]*\\bsrc=\"/dashboard/)").Count.ShouldBe(0);
    }

    private static long Gzipped(string path)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
        using (var file = File.OpenRead(path))
            file.CopyTo(gzip);
        return buffer.Length;
    }
}
