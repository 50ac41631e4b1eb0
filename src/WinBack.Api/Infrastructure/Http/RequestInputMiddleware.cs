using System.Collections.Concurrent;
using System.Reflection;
using FastEndpoints;
using FluentValidation.Results;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Postgres;

namespace WinBack.Api.Infrastructure.Http;

/// <summary>
/// Settles a request before FastEndpoints binds it. First its text outside the JSON body: query values and names, route values
/// and the headers an endpoint binds must be text PostgreSQL can store; a query parameter of the endpoint given with an
/// empty value (<c>?to=</c>) is refused rather than read as absent; and an enum query parameter takes only its documented
/// values (FastEndpoints would also take a number or another casing). Each failure names its parameter (400
/// validation_failed). JSON bodies are checked by <see cref="StorableTextConverters"/>. Then its body: an endpoint that
/// takes a JSON body but gets none answers 415 problem+json (FastEndpoints would answer a bare, already-started 415), and
/// a Content-Type on a bodyless GET or DELETE, as some HTTP clients always send, is ignored instead of parsed.
/// </summary>
public sealed class RequestInputMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        var definition = context.GetEndpoint()?.Metadata.GetMetadata<EndpointDefinition>();
        if (definition is null)
            return next(context);
        var failures = Check(context.Request, definition);
        if (failures.Count > 0)
            return ProblemMapping.WriteAsync(context, ProblemMapping.FromValidation(failures, StatusCodes.Status400BadRequest));
        if (RequestBinding.IsBodyless(context.Request.Method))
            context.Request.ContentType = null;
        else if (!context.Request.HasJsonContentType() && RequestBinding.TakesJsonBody(definition, context.Request.Method))
            return ProblemMapping.WriteAsync(context, ProblemMapping.FromStatus(StatusCodes.Status415UnsupportedMediaType));
        return next(context);
    }

    private static List<ValidationFailure> Check(HttpRequest request, EndpointDefinition definition)
    {
        var failures = new List<ValidationFailure>();
        var binding = Bindings.GetOrAdd((definition, request.Method), key => Binding.Of(key.Definition, key.Method));
        foreach (var (name, values) in request.Query)
        {
            if (!StorableText.IsStorable(name))
            {
                failures.Add(new ValidationFailure("query", $"A query parameter's name {StorableText.Rule}."));
                continue;
            }
            foreach (var value in values)
            {
                if (!StorableText.IsStorable(value))
                    failures.Add(new ValidationFailure(name, $"'{name}' {StorableText.Rule}."));
                else if (!binding.Query.TryGetValue(name, out var allowed))
                    continue;
                else if (string.IsNullOrWhiteSpace(value))
                    failures.Add(new ValidationFailure(name, $"'{name}' is empty: give a value, or leave the parameter out."));
                else if (allowed is not null && !allowed.Contains(value))
                    failures.Add(new ValidationFailure(name, $"'{value}' is not allowed; use one of: {string.Join(", ", allowed)}."));
            }
        }
        foreach (var (name, value) in request.RouteValues)
            if (value is string text && !StorableText.IsStorable(text))
                failures.Add(new ValidationFailure(name, $"'{name}' {StorableText.Rule}."));
        foreach (var (header, field) in binding.Headers)
            if (request.Headers[header].Any(v => v is not null && !StorableText.IsStorable(v)))
                failures.Add(new ValidationFailure(field, $"'{header}' {StorableText.Rule}."));
        return failures;
    }

    // Read once per endpoint and verb, not on every request.
    private static readonly ConcurrentDictionary<(EndpointDefinition Definition, string Method), Binding> Bindings = new();

    /// <param name="Query">The endpoint's query parameters by name, each with its allowed values when it is an enum.</param>
    /// <param name="Headers">The headers the endpoint binds, with the field each binds to.</param>
    private sealed record Binding(IReadOnlyDictionary<string, IReadOnlyList<string>?> Query, IReadOnlyList<(string Header, string Field)> Headers)
    {
        public static Binding Of(EndpointDefinition definition, string method)
        {
            var properties = RequestBinding.Properties(definition);
            var query = properties.Where(p => RequestBinding.SourceOf(p, method) == RequestBinding.Source.Query).ToDictionary(
                RequestBinding.WireName,
                p => (Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType) is { IsEnum: true } type ? StrictEnumConverter.WireNames(type) : null,
                StringComparer.OrdinalIgnoreCase);
            var headers = properties.Where(p => p.GetCustomAttribute<FromHeaderAttribute>() is not null)
                .Select(p => (p.GetCustomAttribute<FromHeaderAttribute>()!.HeaderName ?? p.Name, RequestBinding.WireName(p))).ToList();
            return new Binding(query, headers);
        }
    }
}
