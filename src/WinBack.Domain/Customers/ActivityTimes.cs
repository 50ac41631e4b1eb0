using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace WinBack.Domain.Customers;

/// <summary>
/// A customer's latest time per activity type (<see cref="Customer.LastActivityByType"/>), replaced on every activity: a small array
/// (at most one entry per type) instead of a dictionary copy, since the fold makes a new one per activity and keeps it.
/// </summary>
internal sealed class ActivityTimes : IReadOnlyDictionary<ActivityType, DateTimeOffset>
{
    private readonly KeyValuePair<ActivityType, DateTimeOffset>[] _entries;

    private ActivityTimes(KeyValuePair<ActivityType, DateTimeOffset>[] entries) => _entries = entries;

    /// <summary>The times with <paramref name="type"/>'s set to <paramref name="at"/>.</summary>
    public static ActivityTimes With(IReadOnlyDictionary<ActivityType, DateTimeOffset> times, ActivityType type, DateTimeOffset at)
    {
        var entries = new KeyValuePair<ActivityType, DateTimeOffset>[times.ContainsKey(type) ? times.Count : times.Count + 1];
        var i = 0;
        foreach (var entry in times)
            entries[i++] = entry.Key == type ? new(type, at) : entry;
        if (i < entries.Length)
            entries[i] = new(type, at);
        return new ActivityTimes(entries);
    }

    public DateTimeOffset this[ActivityType key] => TryGetValue(key, out var at) ? at : throw new KeyNotFoundException($"No {key} activity.");
    public IEnumerable<ActivityType> Keys => _entries.Select(e => e.Key);
    public IEnumerable<DateTimeOffset> Values => _entries.Select(e => e.Value);
    public int Count => _entries.Length;
    public bool ContainsKey(ActivityType key) => TryGetValue(key, out _);

    public bool TryGetValue(ActivityType key, [MaybeNullWhen(false)] out DateTimeOffset value)
    {
        foreach (var entry in _entries)
            if (entry.Key == key)
            {
                value = entry.Value;
                return true;
            }
        value = default;
        return false;
    }

    public IEnumerator<KeyValuePair<ActivityType, DateTimeOffset>> GetEnumerator() => ((IEnumerable<KeyValuePair<ActivityType, DateTimeOffset>>)_entries).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
