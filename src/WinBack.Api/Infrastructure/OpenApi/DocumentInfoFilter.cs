using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace WinBack.Api.Infrastructure.OpenApi;

/// <summary>Declares the document's tags, each with a description, in the order a reader meets the product; tags no operation uses are left out.</summary>
public sealed class DocumentInfoFilter : IDocumentFilter
{
    private static readonly (string Name, string Description)[] Tags =
    [
        ("Tenants", "Create a tenant (a WinBack customer account) and its first admin key. Platform key only."),
        ("API keys", "Create, list and revoke a tenant's API keys (scopes admin and ingest)."),
        ("Customers", "Report customers and their activity, import them in bulk, and read their profiles, events and lapse episodes."),
        ("Rules", "Win-back and moment rules: what triggers them, what they give, their budgets and experiments; preview and backtest."),
        ("Rewards", "Rewards issued to customers: list, redeem, reverse a redemption, revoke, issue by hand."),
        ("Save offers", "Offers made in the product's cancel flow, and how they turned out."),
        ("Reports", "Whether win-back worked: reactivations, uplift against holdouts, ROI, signals; JSON or CSV."),
        ("Risk model", "The tenant's purchase model (P(alive)), its history and refits."),
        ("Webhooks", "Endpoints that receive WinBack's events (Standard Webhooks signatures), their deliveries and replays."),
        ("Stripe", "The Stripe connection: events received from Stripe and rewards pushed to it."),
        ("Settings", "The tenant's own settings."),
        ("Sweeps", "Lapse sweeps: run one now and follow it."),
        ("Test clock", "A test tenant's clock, to move time forward and watch rules fire."),
        ("Platform", "Operator endpoints for the platform key: workers, shards, queues, and tenant moves between shards."),
    ];

    public void Apply(OpenApiDocument document, DocumentFilterContext context)
    {
        var used = OpenApiWalk.Operations(document).SelectMany(o => o.Tags?.AsEnumerable() ?? []).Select(t => t.Name).ToHashSet();
        var missing = used.Except(Tags.Select(t => t.Name)).ToList();
        if (missing.Count > 0)
            throw new InvalidOperationException($"Tags without a description in {nameof(DocumentInfoFilter)}: {string.Join(", ", missing)}.");
        document.Tags = Tags.Where(t => used.Contains(t.Name))
            .Select(t => new OpenApiTag { Name = t.Name, Description = t.Description }).ToHashSet();
    }
}
