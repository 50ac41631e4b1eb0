using FluentValidation;
using WinBack.Domain.Webhooks;

namespace WinBack.Api.Features.Webhooks;

/// <summary>Field rules shared by creating and changing an endpoint.</summary>
public static class WebhookFields
{
    public const int MaxUrlLength = 2048;

    public static IRuleBuilderOptions<T, string?> UrlRules<T>(this IRuleBuilder<T, string?> rule) =>
        rule.MaximumLength(MaxUrlLength)
            .Must(url => Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            .WithMessage("'url' must be an absolute http or https URL.");

    public static IRuleBuilderOptions<T, List<string>?> EventRules<T>(this IRuleBuilder<T, List<string>?> rule) =>
        rule.Must(events => events!.Count > 0).WithMessage("'events' must name at least one event type, or \"*\" for all.")
            .Must(events => events!.All(e => e == WebhookEventTypes.All || WebhookEventTypes.Subscribable.Contains(e)))
            .WithMessage($"'events' may hold \"*\" and these types: {string.Join(", ", WebhookEventTypes.Subscribable)}.");
}
