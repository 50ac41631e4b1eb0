using System.Runtime.CompilerServices;

namespace WinBack.Client;

/// <summary>A page of a list endpoint (<c>{"data": [...], "hasMore": bool}</c>); the generated page types implement it
/// (Generated/Pages.g.cs, written by generate.sh).</summary>
public interface IPage<T>
{
    List<T>? Data { get; }
    bool? HasMore { get; }
}

public static class WinBackPages
{
    /// <summary>
    /// Every item of a list, page after page. <paramref name="page"/> fetches the page after the last item seen (null for
    /// the first), setting the endpoint's cursor from it: <c>startingAfter = last?.Id</c>, or <c>afterVersion = last?.Version</c>.
    /// </summary>
    public static async IAsyncEnumerable<T> AllAsync<T>(Func<T?, CancellationToken, Task<IPage<T>?>> page,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var last = default(T);
        while (true)
        {
            var current = await page(last, cancellationToken).ConfigureAwait(false);
            var items = current?.Data ?? [];
            foreach (var item in items)
                yield return item;
            if (current?.HasMore != true || items.Count == 0)
                yield break;
            last = items[^1];
        }
    }
}
