using System.Diagnostics;
using System.Text.Json;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Webhooks;

/// <summary>
/// The Standard Webhooks reference, the npm package <c>standardwebhooks</c> (pinned in tests/webhook-interop), run as a
/// real node process. Its node_modules come from <c>npm ci --prefix tests/webhook-interop</c>: .ci/run does it, and the first use
/// here does it when they are missing, so that the README's test command works on a fresh clone.
/// </summary>
public static class WebhookReference
{
    private static readonly string Folder = Path.Combine(Repository.Root, "tests", "webhook-interop");
    private static readonly Lazy<Task> Installed = new(InstallAsync);

    /// <summary>The webhook-signature header the reference makes: one signature per secret, space-separated.</summary>
    public static async Task<string> SignAsync(IEnumerable<string> secrets, string id, long timestamp, string body)
    {
        var (exitCode, output) = await RunAsync("sign.mjs", new { secrets, id, timestamp, body });
        exitCode.ShouldBe(0, output);
        return output;
    }

    /// <summary>Whether the reference verifies the delivery (against its own clock), and what it said.</summary>
    public static async Task<(bool Verified, string Said)> VerifyAsync(string secret, string id, string timestamp, string signature, string body)
    {
        var headers = new Dictionary<string, string> { ["webhook-id"] = id, ["webhook-timestamp"] = timestamp, ["webhook-signature"] = signature };
        var (exitCode, output) = await RunAsync("verify.mjs", new { secret, headers, body });
        return (exitCode == 0 && output == "verified", output);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string script, object input)
    {
        await Installed.Value;
        return await ProcessRun.ToEndAsync(new ProcessStartInfo("node", script) { WorkingDirectory = Folder }, TimeSpan.FromMinutes(1),
            JsonSerializer.Serialize(input));
    }

    // From the lockfile, once per test run; a failure names the command to run by hand.
    private static async Task InstallAsync()
    {
        if (Directory.Exists(Path.Combine(Folder, "node_modules", "standardwebhooks")))
            return;
        var (exitCode, output) = await ProcessRun.ToEndAsync(new ProcessStartInfo("npm", "ci --no-audit --no-fund") { WorkingDirectory = Folder },
            TimeSpan.FromMinutes(10));
        if (exitCode != 0)
            throw new InvalidOperationException(
                $"The npm reference could not be installed: run `npm ci --prefix tests/webhook-interop` (node and npm are needed).\n{output}");
    }
}
