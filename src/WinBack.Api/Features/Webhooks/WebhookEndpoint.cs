using Npgsql;

namespace WinBack.Api.Features.Webhooks;

/// <summary>A tenant's webhook receiver as stored (<see cref="WebhookTables.Endpoints"/>).</summary>
public sealed record WebhookEndpoint(
    string Id, string Url, string? Description, IReadOnlyList<string> Events, bool Enabled, string Secret, string? PreviousSecret,
    DateTimeOffset? PreviousExpiresAt, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? FailingSince,
    DateTimeOffset? DisabledAt, string? DisabledReason)
{
    public const string Columns =
        "id, url, description, events, enabled, secret, previous_secret, previous_expires_at, created_at, updated_at, failing_since, " +
        "disabled_at, disabled_reason";

    public static WebhookEndpoint Read(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetFieldValue<string[]>(3), r.GetBoolean(4),
        r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6), Time(r, 7), r.GetFieldValue<DateTimeOffset>(8),
        r.GetFieldValue<DateTimeOffset>(9), Time(r, 10), Time(r, 11), r.IsDBNull(12) ? null : r.GetString(12));

    private static DateTimeOffset? Time(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateTimeOffset>(i);
}
