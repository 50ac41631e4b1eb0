using FluentValidation;
using WinBack.Domain.Webhooks;
using WinBack.Api.Infrastructure.Http;

namespace WinBack.Api.Features.Webhooks;

/// <summary>Field rules shared by creating and changing an endpoint.</summary>
public static class WebhookFields
{
    public const int MaxUrlLength = 2048;

    public static IRuleBuilderOptions<T, string?> UrlRules<T>(this IRuleBuilder<T, string?> rule) =>
        rule.MaximumLength(MaxUrlLength)
            .Must(url => Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https",
                new SchemaFacts(Format: "uri", Pattern: "^[Hh][Tt][Tt][Pp][Ss]?://"))
            .WithMessage("'url' must be an absolute http or https URL.");

    public static IRuleBuilderOptions<T, List<string>?> EventRules<T>(this IRuleBuilder<T, List<string>?> rule) =>
        rule.Must(events => events!.Count > 0, new SchemaFacts(MinItems: 1)).WithMessage("'events' must name at least one event type, or \"*\" for all.")
            .Must(events => events!.All(e => e == WebhookEventTypes.All || WebhookEventTypes.Subscribable.Contains(e)),
                new SchemaFacts(Description: $"Each item is \"*\" or one of: {string.Join(", ", WebhookEventTypes.Subscribable)}."))
            .WithMessage($"'events' may hold \"*\" and these types: {string.Join(", ", WebhookEventTypes.Subscribable)}.");
}
