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
        r.Get<string>("id"), r.Get<string>("url"), r.StringOrNull("description"), r.Get<string[]>("events"), r.Get<bool>("enabled"),
        r.Get<string>("secret"), r.StringOrNull("previous_secret"), r.ValueOrNull<DateTimeOffset>("previous_expires_at"),
        r.Get<DateTimeOffset>("created_at"), r.Get<DateTimeOffset>("updated_at"), r.ValueOrNull<DateTimeOffset>("failing_since"),
        r.ValueOrNull<DateTimeOffset>("disabled_at"), r.StringOrNull("disabled_reason"));

}
