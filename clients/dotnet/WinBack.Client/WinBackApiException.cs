using Microsoft.Kiota.Abstractions;
using Microsoft.Kiota.Abstractions.Serialization;
using WinBack.Client.Generated.Models;

namespace WinBack.Client;

/// <summary>Every problem+json answer of the API: its status, stable <see cref="Code"/>, detail and, for validation,
/// the messages per field (keyed by the field's JSON path, or a header's name).</summary>
public sealed class WinBackApiException : ApiException
{
    public int Status { get; }
    public string Code { get; }
    public string? Detail { get; }
    public IReadOnlyDictionary<string, string[]> Errors { get; }

    private WinBackApiException(ApiProblem problem, int status, string code, string? detail)
        : base($"{status} {code}: {detail}", problem)
    {
        (Status, Code, Detail) = (status, code, detail);
        Errors = (problem.Errors?.AdditionalData ?? new Dictionary<string, object>()).ToDictionary(e => e.Key, e => Messages(e.Value));
        ResponseStatusCode = status;
        ResponseHeaders = problem.ResponseHeaders;
    }

    internal static WinBackApiException From(ApiProblem problem) =>
        new(problem, problem.Status ?? problem.ResponseStatusCode, problem.Code ?? "unknown", problem.Detail ?? problem.Title);

    // Kiota keeps a free-form map's values as untyped nodes; each field's value is a list of messages.
    private static string[] Messages(object value) => value switch
    {
        UntypedArray array =>
            array.GetValue().OfType<UntypedString>().Select(s => s.GetValue() ?? "").ToArray(),
        UntypedString one => [one.GetValue() ?? ""],
        _ => [value.ToString() ?? ""],
    };
}
