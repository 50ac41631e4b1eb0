using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Customers;

namespace WinBack.Api.Features.Customers;

/// <summary>
/// Remembers an activity's externalId per customer, so a resent activity has no effect. Written in
/// the same transaction as the activity; the primary key stops a second one across processes.
/// </summary>
public sealed class ActivityDedupe : IHasId
{
    /// <summary><c>{tenant}/{customer}/{externalId}</c>.</summary>
    public required string Id { get; init; }
    public required ActivityRecorded Activity { get; init; }

    public static string IdFor(string tenantId, string customerId, string externalId) => $"{tenantId}/{customerId}/{externalId}";
}
