namespace WinBack.Api.Features.Webhooks;

/// <summary>A delivery whose attempt is due, with everything needed to send it.</summary>
/// <param name="Attempts">Attempts made before this one.</param>
/// <param name="NextAttemptAt">When this attempt was due (tenant time); -infinity for a first attempt, which is due at once.</param>
/// <param name="ClockNow">The tenant's time now: the wall clock for live tenants, the test clock for test tenants.</param>
public sealed record DueDelivery(
    string Id, string TenantId, string EndpointId, string EventId, int Attempts, DateTimeOffset NextAttemptAt, bool TestClock,
    DateTimeOffset ClockNow, string Payload, string Url, string EncryptedSecret, string? EncryptedPreviousSecret,
    DateTimeOffset? PreviousExpiresAt)
{
    /// <summary>
    /// When the attempt counts as made, in tenant time. On a test clock it is when it was due, as a live deployment
    /// would have made it, so one advance of the clock runs every retry that falls within it, in order.
    /// </summary>
    public DateTimeOffset AttemptedAt(DateTimeOffset wallNow) =>
        !TestClock ? wallNow : NextAttemptAt == DateTimeOffset.MinValue ? ClockNow : NextAttemptAt;

    /// <summary>The secrets that sign now, as stored: the current one, and the previous one until its overlap ends.</summary>
    public IReadOnlyList<string> EncryptedSigningSecrets(DateTimeOffset wallNow) =>
        EncryptedPreviousSecret is { } previous && PreviousExpiresAt > wallNow ? [EncryptedSecret, previous] : [EncryptedSecret];
}

/// <summary>What one attempt came to.</summary>
/// <param name="StatusCode">The receiver's HTTP status; null when there was no response (timeout, refused, unreachable).</param>
/// <param name="ResponseBody">The start of the response body (at most 1 KiB).</param>
public sealed record AttemptOutcome(int? StatusCode, int LatencyMs, string? ResponseBody, string? Error, DateTimeOffset SentAt)
{
    public bool Succeeded => StatusCode is >= 200 and < 300;
}
