using Npgsql;
using WinBack.Api.Infrastructure.Postgres;

namespace WinBack.Api.Features.Webhooks;

/// <summary>A tenant's webhook receiver as stored (<see cref="WebhookTables.Endpoints"/>); its secrets encrypted (<see cref="WebhookSecrets"/>).</summary>
public sealed record WebhookEndpoint(
    string Id, string Url, string? Description, IReadOnlyList<string> Events, bool Enabled, string EncryptedSecret, string? EncryptedPreviousSecret,
    DateTimeOffset? PreviousExpiresAt, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? FailingSince,
    DateTimeOffset? DisabledAt, string? DisabledReason)
{
    public const string Columns =
        "id, url, description, events, enabled, secret, previous_secret, previous_expires_at, created_at, updated_at, failing_since, " +
        "disabled_at, disabled_reason";

    public static WebhookEndpoint Read(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetString(1), r.StringOrNull(2), r.GetFieldValue<string[]>(3), r.GetBoolean(4),
        r.GetString(5), r.StringOrNull(6), r.ValueOrNull<DateTimeOffset>(7), r.GetFieldValue<DateTimeOffset>(8),
        r.GetFieldValue<DateTimeOffset>(9), r.ValueOrNull<DateTimeOffset>(10), r.ValueOrNull<DateTimeOffset>(11), r.StringOrNull(12));

}
