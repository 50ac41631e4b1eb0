namespace WinBack.Api.Infrastructure.Idempotency;

/// <summary>One Idempotency-Key as seen by one owner (a tenant, or the platform key).</summary>
public sealed class IdempotencyRecord
{
    /// <summary><c>{owner}/{key}</c>: the primary key makes the claim atomic.</summary>
    public required string Id { get; init; }
    public required string RequestHash { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; set; }
    public int StatusCode { get; set; }
    public string? ContentType { get; set; }
    public string? Location { get; set; }
    /// <summary>The response body, encrypted (<see cref="IdempotencyBodies"/>).</summary>
    public string? EncryptedBody { get; set; }
    /// <summary>The body in plain text, as versions before encryption stored it; the worker's start seals it into <see cref="EncryptedBody"/>.</summary>
    public string? Body { get; set; }

    public bool InFlight => CompletedAt is null;
}
