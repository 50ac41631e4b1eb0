using System.Linq.Expressions;
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
            query = query.Where(IdBeyond<T>(cursor, descending));
        query = descending ? query.OrderByDescending(IdOf<T>()) : query.OrderBy(IdOf<T>());
        var rows = await query.Take(limit + 1).ToListAsync(ct);
        return new Page<T>(rows.Take(limit).ToList(), rows.Count > limit);
    }

    // Marten 9.62 cannot translate a member read through the interface (x => ((IHasId)x).Id), which is what a
    // lambda over the generic T compiles to; these read the document's own Id property instead.
    private static Expression<Func<T, string>> IdOf<T>()
    {
        var x = Expression.Parameter(typeof(T), "x");
        return Expression.Lambda<Func<T, string>>(Expression.Property(x, typeof(T), nameof(IHasId.Id)), x);
    }

    private static Expression<Func<T, bool>> IdBeyond<T>(string cursor, bool descending)
    {
        var id = IdOf<T>();
        var compare = Expression.Call(id.Body, typeof(string).GetMethod(nameof(string.CompareTo), [typeof(string)])!,
            Expression.Constant(cursor));
        var zero = Expression.Constant(0);
        Expression test = descending ? Expression.LessThan(compare, zero) : Expression.GreaterThan(compare, zero);
        return Expression.Lambda<Func<T, bool>>(test, id.Parameters);
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
