using System.Text.Json.Serialization;

namespace WinBack.Api.Infrastructure.Errors;

/// <summary>
/// The one error body of the API: RFC 9457 problem details, plus a stable machine `code`
/// and, for validation, per-field `errors`.
/// </summary>
public sealed record ApiProblem
{
    public const string ContentType = "application/problem+json";

    /// <summary>A URI naming the kind of problem; <c>urn:winback:problem:{code}</c>.</summary>
    public required string Type { get; init; }
    /// <summary>Short, human-readable summary of the kind of problem.</summary>
    public required string Title { get; init; }
    /// <summary>The HTTP status code.</summary>
    public required int Status { get; init; }
    /// <summary>What went wrong with this request, and how to fix it.</summary>
    public required string Detail { get; init; }
    /// <summary>Stable machine code, e.g. <c>validation_failed</c>, <c>idempotency_key_reused</c>.</summary>
    public required string Code { get; init; }
    /// <summary>Per-field messages, keyed by the field's JSON path (validation errors only).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string[]>? Errors { get; init; }

    public static ApiProblem Of(int status, string code, string title, string detail,
        IReadOnlyDictionary<string, string[]>? errors = null) => new()
    {
        Type = $"urn:winback:problem:{code}", Title = title, Status = status, Detail = detail, Code = code, Errors = errors,
    };
}

/// <summary>Thrown by slices to end a request with a problem; mapped in <see cref="ProblemMapping"/>.</summary>
public sealed class ApiException(ApiProblem problem) : Exception(problem.Detail)
{
    public ApiProblem Problem { get; } = problem;

    public static ApiException NotFound(string what, string id) => new(ApiProblem.Of(
        StatusCodes.Status404NotFound, ErrorCodes.ResourceMissing, "Not found", $"No {what} with id '{id}'."));
}
