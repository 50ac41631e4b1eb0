namespace WinBack.Domain.Webhooks;

/// <summary>When an endpoint that keeps failing is switched off, so that WinBack stops knocking on a dead door.</summary>
public static class EndpointHealth
{
    /// <summary>An endpoint whose every attempt has failed for this long is disabled.</summary>
    public static readonly TimeSpan DisableAfter = TimeSpan.FromDays(5);

    /// <param name="failingSince">The first failed attempt since the endpoint's last success.</param>
    /// <param name="failedAt">The failed attempt just made.</param>
    public static bool ShouldDisable(DateTimeOffset failingSince, DateTimeOffset failedAt) => failedAt - failingSince >= DisableAfter;

    /// <summary>What the admin reads on the disabled endpoint.</summary>
    public static string DisabledReason(DateTimeOffset failingSince, string lastError) =>
        $"Every delivery attempt since {failingSince:yyyy-MM-ddTHH:mm:ssZ} failed (last: {lastError}). " +
        "Fix the receiver, enable the endpoint again (PATCH enabled: true), and replay what it missed.";
}
