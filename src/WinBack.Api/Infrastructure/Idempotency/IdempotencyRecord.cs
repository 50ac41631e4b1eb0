namespace WinBack.Api.Infrastructure.Idempotency;

/// <summary>One Idempotency-Key as seen by one owner (a tenant, or the platform key).</summary>
/// <param name="EncryptedBody">The response body, encrypted (<see cref="IdempotencyBodies"/>).</param>
public sealed record IdempotencyRecord(
    string RequestHash, DateTimeOffset CreatedAt, DateTimeOffset? CompletedAt, int StatusCode, string? ContentType, string? Location,
    string? EncryptedBody)
{
    public bool InFlight => CompletedAt is null;
}
