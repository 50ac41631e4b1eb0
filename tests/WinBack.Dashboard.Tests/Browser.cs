using Microsoft.Playwright;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Dashboard.Tests;

/// <summary>Debian's Chromium driven by Playwright (Playwright cannot download its own browsers here).</summary>
public sealed class Browser : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";
    private IPlaywright? _playwright;

    public IBrowser Chromium { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
            await InstallChromiumAsync();
        _playwright = await Playwright.CreateAsync();
        Chromium = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // Without the background-networking flags Chromium keeps calling Google's hosts, which this closed network refuses.
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"],
        });
    }

    // A fresh machine of this kind has no browser: as root, the test installs Debian's (as .ci/run does), so that the README's test
    // command works on a fresh clone; otherwise it names the command.
    private static async Task InstallChromiumAsync()
    {
        const string install = "apt-get install -y chromium";
        if (Environment.UserName != "root" || !File.Exists("/usr/bin/apt-get"))
            throw new InvalidOperationException($"{ChromiumPath} is missing: install it with `{install}` (.ci/run does).");
        foreach (var args in new[] { "update -q", "install -y -q chromium" })
        {
            var start = new System.Diagnostics.ProcessStartInfo("apt-get", args) { Environment = { ["DEBIAN_FRONTEND"] = "noninteractive" } };
            var (exitCode, output) = await ProcessRun.ToEndAsync(start, TimeSpan.FromMinutes(10));
            if (exitCode != 0)
                throw new InvalidOperationException($"`apt-get {args}` failed; install Chromium with `{install}`.\n{output}");
        }
    }

    public async Task DisposeAsync()
    {
        if (Chromium is not null)
            await Chromium.CloseAsync();
        _playwright?.Dispose();
    }
}
