namespace WinBack.Domain.Tenants;

/// <summary>The tenant's time zone: an IANA id (Europe/Paris), on whose calendar days birthdays and anniversaries fall.</summary>
public static class TenantTimeZone
{
    public const string Default = "UTC";
    public const string Rule = "'timeZone' must be an IANA time zone id, such as \"Europe/Paris\" or \"UTC\".";

    /// <summary>The zone named by <paramref name="id"/>, or null when it is not an IANA id known here.</summary>
    public static TimeZoneInfo? Find(string? id) =>
        !string.IsNullOrWhiteSpace(id) && id.Length <= 64 && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) && zone.HasIanaId ? zone : null;

    /// <summary>The zone of a stored setting; UTC when it is missing (a setting is checked where it enters).</summary>
    public static TimeZoneInfo Of(string? id) => Find(id) ?? TimeZoneInfo.Utc;
}
