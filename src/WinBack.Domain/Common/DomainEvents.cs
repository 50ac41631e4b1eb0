using WinBack.Domain.Customers;
using WinBack.Domain.Risk;
using WinBack.Domain.Rules;

namespace WinBack.Domain.Common;

/// <summary>
/// Every event the domain defines, found by scanning for the stream markers (<see cref="ICustomerEvent"/>,
/// <see cref="IRuleEvent"/>, <see cref="IRiskModelEvent"/>), so that a new event record needs no hand-kept list to be stored and read back.
/// </summary>
public static class DomainEvents
{
    public static readonly IReadOnlyList<Type> All = typeof(DomainEvents).Assembly.GetTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false } && (typeof(ICustomerEvent).IsAssignableFrom(t) || typeof(IRuleEvent).IsAssignableFrom(t)
                                                           || typeof(IRiskModelEvent).IsAssignableFrom(t)))
        .OrderBy(t => t.FullName, StringComparer.Ordinal)
        .ToArray();

    /// <summary>The event records of one stream marker: a projection names these, not the marker, so that the daemon's
    /// replay reads exactly them (it does not filter on an interface).</summary>
    public static IEnumerable<Type> Of<TMarker>() => All.Where(typeof(TMarker).IsAssignableFrom);
}
