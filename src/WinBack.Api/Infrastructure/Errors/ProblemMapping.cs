using System.Net.Sockets;
using System.Text.Json;
using FluentValidation.Results;
using JasperFx;
using Microsoft.AspNetCore.WebUtilities;
using Npgsql;
using WinBack.Api.Infrastructure.Http;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Domain.Common;

namespace WinBack.Api.Infrastructure.Errors;

/// <summary>The one place where failures become HTTP problems.</summary>
public static class ProblemMapping
{
    /// <summary>How long a client is told to wait when the database is unavailable (a restart or fail-over takes seconds).</summary>
    public const int DatabaseRetryAfterSeconds = 5;

    public static readonly ApiProblem DatabaseUnavailable = ApiProblem.Of(StatusCodes.Status503ServiceUnavailable,
        ErrorCodes.DatabaseUnavailable, "Service unavailable",
        "The database is unavailable for a moment. This request was not acknowledged; retry it after the Retry-After delay (with the same Idempotency-Key, if it had one).");

    /// <summary>How long a client is told to wait when its tenant is moving between shards (the freeze lasts seconds).</summary>
    public const int TenantMovingRetryAfterSeconds = 1;

    public static readonly ApiProblem TenantMoving = ApiProblem.Of(StatusCodes.Status503ServiceUnavailable,
        ErrorCodes.TenantMoving, "Tenant moving",
        "Your data is being moved to another database; writes pause for a few seconds. This request was not acknowledged; retry it after the Retry-After delay (with the same Idempotency-Key, if it had one).");

    public static ApiProblem FromException(Exception exception) => exception switch
    {
        _ when Sharding.TenantFence.IsMoving(exception) => TenantMoving,
        _ when IsDatabaseUnavailable(exception) => DatabaseUnavailable,
        ApiException api => api.Problem,
        DomainRuleViolated { Kind: Violation.Conflict } rule => ApiProblem.Of(StatusCodes.Status409Conflict, rule.Code,
            "Conflicts with the current state", rule.Message),
        DomainRuleViolated { Kind: Violation.StaleVersion } rule => ApiProblem.Of(StatusCodes.Status412PreconditionFailed, rule.Code,
            "Changed since you read it", rule.Message),
        DomainRuleViolated rule => ApiProblem.Of(StatusCodes.Status422UnprocessableEntity, rule.Code,
            "Request violates a business rule", rule.Message),
        ConcurrencyException or Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.DeadlockDetected or Npgsql.PostgresErrorCodes.SerializationFailure }
            => ApiProblem.Of(StatusCodes.Status409Conflict, ErrorCodes.ConcurrencyConflict,
                "Concurrent update", "Another request changed this object at the same time. Retry the request."),
        BadHttpRequestException bad => FromStatus(bad.StatusCode, bad.Message),
        JsonException json => FromJsonError(JsonErrors.Describe(json)),
        // Input that passed the edge checks yet holds text PostgreSQL cannot store; stopped before it was sent.
        UnstorableTextException => ApiProblem.Of(
            StatusCodes.Status400BadRequest, ErrorCodes.ValidationFailed, "Invalid request", $"A text value {StorableText.Rule}."),
        _ => ApiProblem.Of(StatusCodes.Status500InternalServerError, ErrorCodes.InternalError,
            "Internal error", "Something went wrong on our side. The request may be retried with the same Idempotency-Key."),
    };

    /// <summary>
    /// The server refused, shut down, or is starting (57P01/57P02/57P03, 53300, class 08), the pool stayed exhausted past its
    /// timeout, or the socket broke: looked for through Marten's wrappers. Deadlocks and serialization failures are not
    /// outages, so PostgreSQL errors are matched by state rather than by IsTransient.
    /// </summary>
    public static bool IsDatabaseUnavailable(Exception exception) => exception switch
    {
        PostgresException pg => pg.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown
            or PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.TooManyConnections || pg.SqlState.StartsWith("08", StringComparison.Ordinal),
        NpgsqlException npgsql => npgsql.IsTransient || Unavailable(npgsql.InnerException),
        SocketException => true,
        AggregateException aggregate => aggregate.InnerExceptions.Any(IsDatabaseUnavailable),
        _ => Unavailable(exception.InnerException),
    };

    private static bool Unavailable(Exception? exception) => exception is not null && IsDatabaseUnavailable(exception);

    /// <summary>For responses that ended with a bare status and no body (unknown route, wrong verb, ...).</summary>
    public static ApiProblem FromStatus(int status, string? detail = null) => status switch
    {
        StatusCodes.Status404NotFound => ApiProblem.Of(status, ErrorCodes.RouteNotFound, "Not found",
            detail ?? "No such route. The API lives under /v1; see /swagger for every route."),
        StatusCodes.Status405MethodNotAllowed => ApiProblem.Of(status, ErrorCodes.MethodNotAllowed, "Method not allowed",
            detail ?? "This route does not accept that HTTP method; see /swagger."),
        StatusCodes.Status413PayloadTooLarge => ApiProblem.Of(status, ErrorCodes.RequestTooLarge, "Request too large",
            "The request body is larger than this endpoint accepts (JSON bodies: 2 MiB by default; uploads: 1 GiB)."),
        StatusCodes.Status415UnsupportedMediaType => ApiProblem.Of(status, ErrorCodes.UnsupportedMediaType, "Unsupported media type",
            detail ?? "This endpoint takes a JSON body: send it with Content-Type: application/json."),
        _ => ApiProblem.Of(status, status >= 500 ? ErrorCodes.InternalError : ErrorCodes.BadRequest,
            ReasonPhrases.GetReasonPhrase(status), detail ?? ReasonPhrases.GetReasonPhrase(status)),
    };

    public static ApiProblem FromValidation(IReadOnlyCollection<ValidationFailure> failures, int status)
    {
        var errors = failures
            .GroupBy(f => JsonErrors.FieldPath(f.PropertyName))
            .ToDictionary(g => g.Key, g => g.Select(f => f.ErrorMessage).Distinct().ToArray());
        var invalidJson = failures.Any(f => f.ErrorCode == ErrorCodes.InvalidJson);
        var detail = string.Join(" ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"));
        return invalidJson
            ? ApiProblem.Of(status, ErrorCodes.InvalidJson, "Malformed request body", detail, errors)
            : ApiProblem.Of(status, ErrorCodes.ValidationFailed, "Invalid request", detail, errors);
    }

    /// <summary>A request header whose value cannot be served: 400 validation_failed naming the header.</summary>
    public static ApiProblem InvalidHeader(string header, string message) => ApiProblem.Of(StatusCodes.Status400BadRequest,
        ErrorCodes.ValidationFailed, "Invalid request", $"{header}: {message}", new Dictionary<string, string[]> { [header] = [message] });

    private static ApiProblem FromJsonError(ValidationFailure failure) =>
        FromValidation([failure], StatusCodes.Status400BadRequest);

    public static async Task WriteAsync(HttpContext context, ApiProblem problem)
    {
        context.Response.StatusCode = problem.Status;
        if (problem.Status == StatusCodes.Status503ServiceUnavailable)
            context.Response.Headers.RetryAfter = (problem.Code == ErrorCodes.TenantMoving ? TenantMovingRetryAfterSeconds : DatabaseRetryAfterSeconds)
                .ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.Response.ContentType = ApiProblem.ContentType;
        await JsonSerializer.SerializeAsync(context.Response.Body, problem, WinBackJson.Options, context.RequestAborted);
    }
}
