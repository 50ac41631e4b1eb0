using System.Security.Cryptography;
using System.Text;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;

namespace WinBack.Api.Infrastructure.Idempotency;

/// <summary>
/// The one idempotency mechanism, for every POST. The first request with a key claims it (a primary-key
/// insert); later ones replay the stored response, get 422 if their body differs, or 409 while the first
/// is still running. Server errors release the key so that the client can retry. Stored bodies are encrypted.
/// </summary>
public sealed class IdempotencyMiddleware(RequestDelegate next, IdempotencyStore keys, IdempotencyBodies bodies, TimeProvider clock,
    ILogger<IdempotencyMiddleware> logger)
{
    public const string HeaderName = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";
    public const int MaxKeyLength = 255;
    public static readonly ApiProblem KeyReused = ApiProblem.Of(422, ErrorCodes.IdempotencyKeyReused, "Idempotency-Key reused",
        "This Idempotency-Key was already used with a different request. Use a new key for a new request.");
    public static readonly ApiProblem KeyInUse = ApiProblem.Of(409, ErrorCodes.IdempotencyKeyInUse, "Request in progress",
        "A request with this Idempotency-Key is still being processed. Retry shortly to get its result.");
    /// <summary>What a key may hold, as the OpenAPI document states it: 1 to 255 printable ASCII characters, not all spaces.</summary>
    public const string KeyPattern = "^[\\x20-\\x7E]*[\\x21-\\x7E][\\x20-\\x7E]*$";
    public static readonly ApiProblem InvalidKey = ApiProblem.Of(400, ErrorCodes.InvalidIdempotencyKey, "Invalid Idempotency-Key",
        $"The Idempotency-Key header must be 1 to {MaxKeyLength} printable ASCII characters, not all spaces; a UUID is a good choice.");
    // A claim older than this belongs to a process that died mid-request; it may be taken over.
    private static readonly TimeSpan AbandonedAfter = TimeSpan.FromMinutes(2);

    public async Task InvokeAsync(HttpContext context)
    {
        // A header sent empty is a key, and not a valid one (StringValues would read it as absent).
        string? key = context.Request.Headers.TryGetValue(HeaderName, out var values) ? values.ToString() : null;
        var caller = Caller.From(context.User);
        if (!HttpMethods.IsPost(context.Request.Method) || key is null || caller is null)
        {
            await next(context);
            return;
        }
        if (!IsValidKey(key))
        {
            await ProblemMapping.WriteAsync(context, InvalidKey);
            return;
        }

        var id = new KeyId(caller.TenantId ?? IdempotencyStore.PlatformOwner, key);
        var requestHash = await HashRequestAsync(context.Request);
        var existing = await ClaimAsync(id, requestHash, context.RequestAborted);
        if (existing is not null)
        {
            await AnswerDuplicateAsync(context, existing, requestHash);
            return;
        }

        await RunAndStoreAsync(context, id);
    }

    public static bool IsValidKey(string key) =>
        key.Length <= MaxKeyLength && key.All(c => c is >= ' ' and <= '~') && !string.IsNullOrWhiteSpace(key);

    private readonly record struct KeyId(string Owner, string Key);

    /// <summary>Returns null when this request now owns the key, else the record that holds it.</summary>
    private async Task<IdempotencyRecord?> ClaimAsync(KeyId id, string requestHash, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 2; attempt++)
        {
            if (await keys.TryClaimAsync(id.Owner, id.Key, requestHash, clock.GetUtcNow(), ct))
                return null;
            var existing = await keys.FindAsync(id.Owner, id.Key, ct);
            if (existing is null)
                continue; // released between our insert and our read: claim again
            if (!existing.InFlight || clock.GetUtcNow() - existing.CreatedAt < AbandonedAfter)
                return existing;
            await ReleaseAsync(id); // abandoned by a crashed request
        }
        return new IdempotencyRecord(requestHash, clock.GetUtcNow(), null, 0, null, null, null);
    }

    private async Task AnswerDuplicateAsync(HttpContext context, IdempotencyRecord existing, string requestHash)
    {
        if (existing.RequestHash != requestHash)
        {
            await ProblemMapping.WriteAsync(context, KeyReused);
            return;
        }
        if (existing.InFlight)
        {
            context.Response.Headers.RetryAfter = "1";
            await ProblemMapping.WriteAsync(context, KeyInUse);
            return;
        }

        context.Response.StatusCode = existing.StatusCode;
        context.Response.Headers[ReplayedHeader] = "true";
        if (existing.ContentType is not null) context.Response.ContentType = existing.ContentType;
        if (existing.Location is not null) context.Response.Headers.Location = existing.Location;
        if (bodies.Open(existing) is { } body) await context.Response.WriteAsync(body, context.RequestAborted);
    }

    private async Task RunAndStoreAsync(HttpContext context, KeyId id)
    {
        var original = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await next(context);
        }
        catch (Exception exception) when (ProblemExceptionMiddleware.CanAnswer(context))
        {
            // Answered here rather than by the outer middleware, so that the problem's status is the one stored.
            await ProblemExceptionMiddleware.AnswerAsync(context, exception, logger);
        }
        catch
        {
            context.Response.Body = original;
            await ReleaseAsync(id);
            throw;
        }

        context.Response.Body = original;
        buffer.Position = 0;
        if (context.Response.StatusCode >= 500)
            await ReleaseAsync(id);
        else
            await CompleteAsync(id, context.Response, Encoding.UTF8.GetString(buffer.ToArray()));
        await buffer.CopyToAsync(original, context.RequestAborted);
    }

    private Task CompleteAsync(KeyId id, HttpResponse response, string body) =>
        keys.CompleteAsync(id.Owner, id.Key, clock.GetUtcNow(), response.StatusCode, response.ContentType,
            response.Headers.Location.Count > 0 ? response.Headers.Location.ToString() : null,
            bodies.Protect(body), CancellationToken.None);

    private async Task ReleaseAsync(KeyId id)
    {
        try
        {
            await keys.ReleaseAsync(id.Owner, id.Key, CancellationToken.None);
        }
        catch (Exception e)
        {
            // The claim then expires as abandoned; the client sees 409 until then, never a double effect.
            logger.LogWarning(e, "Could not release Idempotency-Key {Owner}/{Key}", id.Owner, id.Key);
        }
    }

    // The same key must come with the same request: method, path, query and body.
    private static async Task<string> HashRequestAsync(HttpRequest request)
    {
        request.EnableBuffering();
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes($"{request.Method} {request.Path}{request.QueryString}\n"));
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
            sha.AppendData(chunk, 0, read);
        request.Body.Position = 0;
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
