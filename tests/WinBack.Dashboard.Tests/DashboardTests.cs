using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Xunit.Abstractions;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Dashboard.Tests;

/// <summary>
/// The dashboard in a real browser against the real service: a tenant seeded through the API, signed in by keyboard with
/// its admin key; every overview tile and uplift row must show the API's own figures, the charts must draw, the key must
/// stay out of storage that outlives the tab, and axe must find nothing serious. Screenshots go to artifacts/dashboard/.
/// </summary>
public sealed class DashboardTests(DashboardApp app, Browser browser, ITestOutputHelper output) : IClassFixture<DashboardApp>, IClassFixture<Browser>
{
    private static readonly string[] OverviewFields = ["reactivationRate", "reactivated", "revenueAfterReturn", "rewardCost", "outstandingLiability", "roi"];
    private static readonly string[] UpliftFields = ["ruleId", "variant", "lapsed", "treated", "holdout", "reactivationRate", "holdoutRate"];
    private static readonly string[] Charts = ["uplift-chart", "returns-chart", "liability-chart"];

    [Fact]
    public async Task A_signed_in_admin_sees_the_apis_figures_drawn_accessibly_at_both_widths_and_the_key_stays_in_the_tab()
    {
        var tenant = await DashboardSeed.PlayAsync(app);
        var (endpointId, deliveryId) = await DashboardSeed.FailedDeliveryAsync(app, tenant);
        var key = tenant.AdminKey.Secret;
        var overview = await DashboardSeed.GetAsync(tenant.Admin, "/v1/reports/overview");
        var uplift = await DashboardSeed.GetAsync(tenant.Admin, "/v1/reports/reactivation?groupBy=variant");

        await using var context = await browser.Chromium.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new() { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            // The one refusal the page expects: a tenant without a purchase model gets 409 from the risk report (its empty state).
            if (message.Type == "error" && !(message.Text.Contains("409") && message.Location.Contains("/v1/reports/risk")))
                errors.Add($"{message.Text} ({message.Location})");
        };
        page.PageError += (_, error) => errors.Add(error);

        var response = (await page.GotoAsync(new Uri(app.BaseAddress, "/dashboard").ToString()))!;
        response.Status.ShouldBe(200);
        var policy = response.Headers["content-security-policy"];
        policy.ShouldContain("default-src 'none'");
        policy.ShouldContain("script-src 'self'");
        policy.ShouldContain("style-src 'self'");
        policy.ShouldNotContain("unsafe-inline");
        policy.ShouldContain("frame-ancestors 'none'");

        output.WriteLine($"page load event after {await page.EvaluateAsync<double>("performance.getEntriesByType('navigation')[0].loadEventEnd"):0} ms");
        await SignInByKeyboardAsync(page, key);
        var signIn = System.Diagnostics.Stopwatch.StartNew();
        await page.WaitForSelectorAsync("body[data-loaded=true]");
        output.WriteLine($"every view loaded {signIn.ElapsedMilliseconds} ms after signing in"); // a reading for the report, not a test

        // Overview: each tile holds exactly the API's value, and shows it.
        var totals = overview.GetProperty("totals");
        foreach (var field in OverviewFields)
            (await ValueAsync(page.GetByTestId($"overview-{field}"))).ShouldBe(Json(totals.GetProperty(field)), $"overview-{field}");
        (await page.GetByTestId("overview-reactivationRate").InnerTextAsync()).ShouldContain(Percent(totals.GetProperty("reactivationRate")));
        (await page.GetByTestId("overview-reactivated").InnerTextAsync()).ShouldContain(totals.GetProperty("reactivated").GetInt64().ToString("N0", CultureInfo.InvariantCulture));
        foreach (var (field, part) in new[] { ("revenueAfterReturn", (string?)null), ("rewardCost", "issued"), ("rewardCost", "expired"), ("outstandingLiability", null) })
        {
            var list = part is null ? totals.GetProperty(field) : totals.GetProperty(field).GetProperty(part);
            var tile = page.GetByTestId(part is null ? $"overview-{field}" : $"overview-{field}-{part}");
            foreach (var money in list.EnumerateArray())
                (await tile.InnerTextAsync()).ShouldContain((money.GetProperty("amount").GetInt64() / 100m).ToString("N2", CultureInfo.InvariantCulture));
        }
        totals.GetProperty("reactivated").GetInt64().ShouldBeGreaterThan(0); // the seed produced figures worth comparing
        totals.GetProperty("rewardCost").GetProperty("issued").GetArrayLength().ShouldBe(1);

        // Uplift: one table row per API row, in order, with the same figures.
        var rows = uplift.GetProperty("rows").EnumerateArray().ToList();
        rows.Count.ShouldBeGreaterThanOrEqualTo(3); // A, B and the holdout
        var tableRows = page.GetByTestId("uplift-table").Locator("tbody tr");
        (await tableRows.CountAsync()).ShouldBe(rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var row = tableRows.Nth(i);
            foreach (var field in UpliftFields)
                (await ValueAsync(row.Locator($"td[data-field={field}]"))).ShouldBe(
                    rows[i].TryGetProperty(field, out var value) ? Json(value) : "null", $"row {i} {field}");
            var interval = rows[i].TryGetProperty("uplift", out var u) && u.ValueKind == JsonValueKind.Object ? u : default;
            foreach (var (field, name) in new[] { ("uplift", "value"), ("ciLow", "ciLow"), ("ciHigh", "ciHigh") })
            {
                var cell = row.Locator($"td[data-field={field}]");
                var expected = interval.ValueKind == JsonValueKind.Object ? Json(interval.GetProperty(name)) : "null";
                (await ValueAsync(cell)).ShouldBe(expected, $"row {i} {field}");
                if (interval.ValueKind == JsonValueKind.Object)
                    (await cell.InnerTextAsync()).ShouldContain(Points(interval.GetProperty(name).GetDouble()));
            }
        }
        rows.Count(r => r.TryGetProperty("uplift", out var u) && u.ValueKind == JsonValueKind.Object).ShouldBeGreaterThan(0);

        // Charts have drawn something; risk, without a model, says what to do.
        foreach (var chart in Charts)
            (await DrawnAsync(page, chart)).ShouldBeTrue($"{chart} has drawn");
        (await page.Locator("#risk .status").InnerTextAsync()).ShouldContain("No purchase model yet");
        (await page.GetByTestId("webhook-endpoint").CountAsync()).ShouldBe(1);
        var health = await DashboardSeed.GetAsync(tenant.Admin, $"/v1/webhook-endpoints/{endpointId}/health");
        (await page.GetByTestId("webhook-lastError").InnerTextAsync()).ShouldContain(health.GetProperty("lastFailure").GetProperty("error").GetString()!);
        (await page.GetByTestId("webhook-failedDeliveries").InnerTextAsync()).ShouldBe(health.GetProperty("failedDeliveries").GetInt64().ToString(CultureInfo.InvariantCulture));

        // The key is only in this tab's session storage.
        (await page.EvaluateAsync<string>("sessionStorage.getItem('winback.adminKey')")).ShouldBe(key);
        (await page.EvaluateAsync<string>("JSON.stringify(Object.assign({}, localStorage))")).ShouldNotContain(key);
        (await context.CookiesAsync()).ShouldBeEmpty();
        page.Url.ShouldNotContain(key);

        var violations = (await page.RunAxe()).Violations.Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Target))}").ToList();
        violations.ShouldBeEmpty();
        await ScreenshotAsync(page, "dashboard-1280.png");

        await page.SetViewportSizeAsync(390, 844);
        await page.ReloadAsync();
        await page.WaitForSelectorAsync("body[data-loaded=true]");
        (await page.EvaluateAsync<int>("document.documentElement.scrollWidth")).ShouldBeLessThanOrEqualTo(390, "no sideways scrolling at 390 px: " + await page.EvaluateAsync<string>(WiderThanTheWindow));
        foreach (var chart in Charts)
            (await DrawnAsync(page, chart)).ShouldBeTrue($"{chart} has drawn at 390 px");
        await ScreenshotAsync(page, "dashboard-390.png");
        await page.SetViewportSizeAsync(1280, 900);

        // Retry on a failed delivery queues it again, and it is attempted once more.
        var attempts = (await DashboardSeed.DeliveriesAsync(tenant, endpointId)).Single().GetProperty("attempts").GetInt32();
        await page.GetByRole(AriaRole.Button, new() { Name = $"Retry delivery {deliveryId} (reward.issued)" }).ClickAsync();
        await page.GetByText("queued (pending)").WaitForAsync();
        await Eventually.ReadAsync(() => DashboardSeed.DeliveriesAsync(tenant, endpointId), ds => ds.Single().GetProperty("attempts").GetInt32() > attempts,
            "the retried delivery attempted again");

        // A rule's preview shows the API's preview; the test clock moves to the chosen time.
        await page.GetByRole(AriaRole.Button, new() { Name = "Preview 30 days quiet, A/B" }).ClickAsync();
        var preview = page.GetByTestId("preview-result");
        await preview.WaitForAsync();
        JsonDocument.Parse((await preview.GetAttributeAsync("data-value"))!).RootElement.GetProperty("lapsed").GetInt32().ShouldBeGreaterThanOrEqualTo(0);
        var now = (await DashboardSeed.GetAsync(tenant.Admin, "/v1/test-clock")).GetProperty("now").GetDateTimeOffset();
        var to = now.AddDays(3);
        await page.GetByLabel("Advance to (UTC)").FillAsync(to.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture));
        await page.GetByRole(AriaRole.Button, new() { Name = "Advance" }).ClickAsync();
        await Eventually.ReadAsync(async () => (await DashboardSeed.GetAsync(tenant.Admin, "/v1/test-clock")).GetProperty("now").GetDateTimeOffset(),
            moved => moved >= to.AddSeconds(-to.Second), "the test clock advanced by the page");
        await page.WaitForFunctionAsync("day => document.getElementById('clock-now').dateTime.startsWith(day)", to.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));

        errors.ShouldBeEmpty();

        // Signing out forgets the key.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        (await page.EvaluateAsync<string?>("sessionStorage.getItem('winback.adminKey')")).ShouldBeNull();
        (await page.GetByTestId("overview-reactivationRate").CountAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task A_bad_key_is_refused_with_the_apis_detail_and_forgotten()
    {
        await using var context = await browser.Chromium.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(app.BaseAddress, "/dashboard").ToString());
        await page.GetByLabel("Admin API key").FillAsync("wb_test_not_a_real_key_0000000000");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        var problem = page.Locator("#sign-in-problem");
        await problem.WaitForAsync();
        (await problem.InnerTextAsync()).ShouldContain("401");
        (await page.EvaluateAsync<string?>("sessionStorage.getItem('winback.adminKey')")).ShouldBeNull();
    }

    // Tab from the top of the page to the key field, type, press Enter: the form works without a mouse.
    private static async Task SignInByKeyboardAsync(IPage page, string key)
    {
        for (var i = 0; i < 6 && await page.EvaluateAsync<string>("document.activeElement.id") != "api-key"; i++)
            await page.Keyboard.PressAsync("Tab");
        (await page.EvaluateAsync<string>("document.activeElement.id")).ShouldBe("api-key");
        (await page.EvaluateAsync<string>("getComputedStyle(document.activeElement).outlineStyle")).ShouldNotBe("none", "visible focus");
        await page.Keyboard.TypeAsync(key);
        await page.Keyboard.PressAsync("Enter");
    }

    private static async Task<string> ValueAsync(ILocator locator) =>
        JsonNode.Parse((await locator.GetAttributeAsync("data-value"))!)?.ToJsonString() ?? "null";

    private static string Json(JsonElement element) => JsonNode.Parse(element.GetRawText())?.ToJsonString() ?? "null";

    private static string Percent(JsonElement rate) => (rate.GetDouble() * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    private static string Points(double value) => (value >= 0 ? "+" : "") + (value * 100).ToString("0.0", CultureInfo.InvariantCulture) + " pp";

    // Says which elements stick out to the right, for the failure message.
    private const string WiderThanTheWindow = """
        () => [...document.querySelectorAll('body *')].filter(e => !e.closest('.table-wrap *') && e.getBoundingClientRect().right > window.innerWidth + 1)
          .slice(0, 8).map(e => `${e.tagName.toLowerCase()}#${e.id}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`).join(', ')
        """;

    // A canvas that Chart.js drew on has some pixel that is not transparent.
    private static Task<bool> DrawnAsync(IPage page, string testId) => page.EvaluateAsync<bool>("""
        id => {
          const canvas = document.querySelector(`[data-testid="${id}"]`);
          if (!canvas || !canvas.width || !canvas.height) return false;
          const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
          for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) return true;
          return false;
        }
        """, testId);

    private static async Task ScreenshotAsync(IPage page, string name)
    {
        var folder = Path.Combine(DashboardPaths.RepositoryRoot(), "artifacts", "dashboard");
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name), FullPage = true });
    }
}
