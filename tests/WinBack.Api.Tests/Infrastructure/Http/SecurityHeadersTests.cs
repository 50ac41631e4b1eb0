using System.Net;
using System.Text.RegularExpressions;
using WinBack.Api.Infrastructure.Http;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Infrastructure.Http;

/// <summary>The service behind real Kestrel (not the in-memory test server), so that Kestrel's own headers show.</summary>
public sealed class KestrelApp : WinBackApp
{
    public KestrelApp() => UseKestrel(0);
}

public sealed partial class SecurityHeadersTests(KestrelApp app) : IClassFixture<KestrelApp>
{
    [Theory]
    [InlineData("/health/live")]
    [InlineData("/v1/customers")]
    [InlineData("/v1/no-such-route")]
    [InlineData("/swagger/index.html")]
    public async Task Every_answer_forbids_sniffing_and_referrers_and_names_no_server(string path)
    {
        var response = await app.CreateClient().GetAsync(path);

        response.Headers.GetValues("X-Content-Type-Options").ShouldBe(["nosniff"]);
        response.Headers.GetValues("Referrer-Policy").ShouldBe(["no-referrer"]);
        response.Headers.Contains("Server").ShouldBeFalse();
        response.Headers.GetValues("Content-Security-Policy").Single().ShouldContain("frame-ancestors 'none'");
    }

    [Fact]
    public async Task Swagger_UI_runs_only_its_own_script_files_and_its_page_has_no_inline_script()
    {
        var response = await app.CreateClient().GetAsync("/swagger/index.html");
        var html = await response.Content.ReadAsStringAsync();

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var policy = response.Headers.GetValues("Content-Security-Policy").Single();
        policy.ShouldBe(SecurityHeadersMiddleware.SwaggerPolicy);
        policy.ShouldContain("script-src 'self';");
        var scripts = ScriptTag().Matches(html).Select(m => m.Value).ToList();
        scripts.ShouldNotBeEmpty();
        scripts.ShouldAllBe(tag => tag.Contains("src="), "an inline script would be blocked by script-src 'self'");
        foreach (var file in scripts.Select(tag => SrcOf().Match(tag).Groups[1].Value))
            (await app.CreateClient().GetAsync($"/swagger/{file.TrimStart('.', '/')}")).StatusCode.ShouldBe(HttpStatusCode.OK, file);
    }

    [GeneratedRegex("<script[^>]*>")]
    private static partial Regex ScriptTag();

    [GeneratedRegex("src=\"([^\"]+)\"")]
    private static partial Regex SrcOf();
}
