using FastEndpoints;
using FluentValidation;
using Marten;

namespace WinBack.Api.Infrastructure.Http;

/// <summary>Query parameters every list endpoint takes.</summary>
public abstract class PageRequest
{
    /// <summary>How many objects to return, 1 to 100. Default 10.</summary>
    [QueryParam]
    public int? Limit { get; set; }

    /// <summary>Cursor: the id of the last object of the previous page.</summary>
    [QueryParam]
    public string? StartingAfter { get; set; }
}

/// <summary>A page of a list; <c>hasMore</c> says whether a next page exists (ask with startingAfter = the last id).</summary>
public sealed record Page<T>(IReadOnlyList<T> Data, bool HasMore);

public interface IHasId
{
    string Id { get; }
}

public static class Paging
{
    public const int DefaultLimit = 10;
    public const int MaxLimit = 100;

    /// <summary>
    /// Pages a Marten query by id: descending by default, which is newest first for WinBack's time-ordered
    /// ids; ascending for ids that carry no time, such as the tenant's own customer ids.
    /// </summary>
    public static async Task<Page<T>> PageAsync<T>(this IQueryable<T> query, PageRequest page, CancellationToken ct,
        bool descending = true) where T : IHasId
    {
        var limit = page.Limit ?? DefaultLimit;
        if (page.StartingAfter is { } cursor)
            query = descending ? query.Where(x => x.Id.CompareTo(cursor) < 0) : query.Where(x => x.Id.CompareTo(cursor) > 0);
        query = descending ? query.OrderByDescending(x => x.Id) : query.OrderBy(x => x.Id);
        var rows = await query.Take(limit + 1).ToListAsync(ct);
        return new Page<T>(rows.Take(limit).ToList(), rows.Count > limit);
    }

    /// <summary>The first page of items already ordered and positioned after the cursor (lists held in memory).</summary>
    public static Page<T> PageOf<T>(IEnumerable<T> itemsAfterCursor, PageRequest page)
    {
        var limit = page.Limit ?? DefaultLimit;
        var rows = itemsAfterCursor.Take(limit + 1).ToList();
        return new Page<T>(rows.Take(limit).ToList(), rows.Count > limit);
    }

    public static void AddPagingRules<TRequest>(this AbstractValidator<TRequest> validator, string idPrefix)
        where TRequest : PageRequest =>
        validator.AddPagingRules(c => Ids.HasPrefix(c, idPrefix), $"an id starting with '{idPrefix}_'", DocumentedRules.PrefixedId(idPrefix));

    /// <param name="cursor">What a cursor looks like, for the OpenAPI document.</param>
    public static void AddPagingRules<TRequest>(this AbstractValidator<TRequest> validator, Func<string?, bool> isCursor, string cursorIs,
        SchemaFacts cursor) where TRequest : PageRequest
    {
        validator.RuleFor(x => x.Limit).InclusiveBetween(1, MaxLimit).When(x => x.Limit is not null)
            .WithMessage($"limit must be between 1 and {MaxLimit}.");
        validator.RuleFor(x => x.StartingAfter).Must(isCursor, cursor).When(x => x.StartingAfter is not null)
            .WithMessage($"startingAfter must be {cursorIs} from a previous page.");
    }
}
