namespace WinBack.Api.Features.Webhooks;

/// <summary>A delivery whose attempt is due, with everything needed to send it.</summary>
/// <param name="Attempts">Attempts made before this one.</param>
/// <param name="Chain">The customer's (or rule's) chain, whose later deliveries wait for this one.</param>
/// <param name="QueuedAt">When the delivery was committed to the outbox (PostgreSQL's clock), for the latency metric.</param>
public sealed record DueDelivery(
    string Id, string TenantId, string EndpointId, string EventId, string Chain, long EventSeq, int Attempts, string Payload, string Url,
    string EncryptedSecret, string? EncryptedPreviousSecret, DateTimeOffset? PreviousExpiresAt, DateTimeOffset QueuedAt)
{
    /// <summary>The secrets that sign now, as stored: the current one, and the previous one until its overlap ends.</summary>
    public IReadOnlyList<string> EncryptedSigningSecrets(DateTimeOffset wallNow) =>
        EncryptedPreviousSecret is { } previous && PreviousExpiresAt > wallNow ? [EncryptedSecret, previous] : [EncryptedSecret];
}

/// <summary>What one attempt came to. Every time is the wall clock's, for every tenant.</summary>
/// <param name="StatusCode">The receiver's HTTP status; null when there was no response (timeout, refused, unreachable).</param>
/// <param name="ResponseBody">The start of the response body (at most 1 KiB).</param>
/// <param name="SentAt">When the attempt was made: the signed webhook-timestamp.</param>
public sealed record AttemptOutcome(int? StatusCode, int LatencyMs, string? ResponseBody, string? Error, DateTimeOffset SentAt)
{
    public bool Succeeded => StatusCode is >= 200 and < 300;

    /// <summary>An attempt that WinBack itself could not make (a bad row, a bug): a failed attempt like any other, retried
    /// on the schedule and then parked, so that it never blocks the loop. The reason names the error's kind, not its text.</summary>
    public static AttemptOutcome Broken(Exception error, DateTimeOffset at) =>
        new(null, 0, null, $"WinBack could not make this attempt ({error.GetType().Name}); it is retried on the usual schedule.", at);

    /// <summary>The same outcome without the receiver's answer, for when that answer cannot be stored.</summary>
    public AttemptOutcome WithoutBody() => this with
    {
        ResponseBody = null,
        Error = Succeeded || StatusCode is not null ? null : "The attempt failed; its details could not be stored.",
    };
}
