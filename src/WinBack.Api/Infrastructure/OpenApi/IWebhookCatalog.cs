namespace WinBack.Api.Infrastructure.OpenApi;

/// <summary>What the API's outgoing webhooks carry, so that the document's <c>webhooks</c> section can describe each type.</summary>
public interface IWebhookCatalog
{
    /// <summary>Every type a webhook can carry, in the order consumers see them listed.</summary>
    IReadOnlyList<string> Types { get; }

    /// <summary>The body every webhook shares; its <c>type</c> and <c>data</c> are narrowed per type.</summary>
    Type Envelope { get; }

    /// <summary>The record a type's <c>data</c> is made from, and the record of the fields the payload adds or replaces (or null).</summary>
    (Type Record, Type? Added) DataOf(string type);

    /// <summary>The headers every delivery carries (its signature), each with a description and an example.</summary>
    IReadOnlyList<(string Name, string Description, string Example)> Headers { get; }
}
