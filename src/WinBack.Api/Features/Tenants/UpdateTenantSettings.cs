using FastEndpoints;
using FluentValidation;
using Marten;
using WinBack.Api.Infrastructure.Auth;

namespace WinBack.Api.Features.Tenants;

public sealed class UpdateTenantSettingsRequest
{
    /// <summary>The pAlive below which a customer counts as at risk, strictly between 0 and 1; default 0.3. It dates risk.atRiskSince on customers.</summary>
    /// <example>0.3</example>
    public double? AtRiskThreshold { get; set; }
}

public sealed class UpdateTenantSettingsValidator : Validator<UpdateTenantSettingsRequest>
{
    public UpdateTenantSettingsValidator() =>
        RuleFor(x => x.AtRiskThreshold).GreaterThan(0).LessThan(1).When(x => x.AtRiskThreshold is not null);
}

/// <param name="AtRiskThreshold">The pAlive below which a customer counts as at risk (risk.atRiskSince on customers).</param>
public sealed record TenantSettingsView(double AtRiskThreshold)
{
    public static TenantSettingsView Of(TenantSettings s) => new(s.AtRiskThreshold);
    public static readonly TenantSettingsView Example = new(TenantSettings.DefaultAtRiskThreshold);
}

public sealed class GetTenantSettingsEndpoint(IDocumentStore store) : EndpointWithoutRequest<TenantSettingsView>
{
    public override void Configure()
    {
        Get("/settings");
        Roles(ApiScopes.Admin);
        Tags("Settings");
        Summary(s =>
        {
            s.Summary = "Get your tenant's settings";
            s.Description = "Settings of your own tenant, with their defaults until changed: atRiskThreshold (0.3).";
            s.Responses[200] = "The settings.";
            s.ResponseExamples[200] = TenantSettingsView.Example;
        });
    }

    public override async Task HandleAsync(CancellationToken ct) =>
        await Send.OkAsync(TenantSettingsView.Of(await TenantSettings.LoadAsync(store, HttpContext.Caller().RequireTenant(), ct)), ct);
}

public sealed class UpdateTenantSettingsEndpoint(IDocumentStore store) : Endpoint<UpdateTenantSettingsRequest, TenantSettingsView>
{
    public override void Configure()
    {
        Patch("/settings");
        Roles(ApiScopes.Admin);
        Tags("Settings");
        Summary(s =>
        {
            s.Summary = "Change your tenant's settings";
            s.Description = "Changes the settings given and leaves the others. atRiskThreshold is a probability strictly between 0 and 1 " +
                            "(400 otherwise): a customer is at risk once their pAlive falls below it, and risk.atRiskSince says since when.";
            s.ExampleRequest = new UpdateTenantSettingsRequest { AtRiskThreshold = 0.25 };
            s.Responses[200] = "The settings as they are now.";
            s.ResponseExamples[200] = TenantSettingsView.Example with { AtRiskThreshold = 0.25 };
        });
    }

    public override async Task HandleAsync(UpdateTenantSettingsRequest request, CancellationToken ct)
    {
        var tenantId = HttpContext.Caller().RequireTenant();
        await using var session = store.LightweightSession(tenantId);
        var settings = await session.LoadAsync<TenantSettings>(TenantSettings.DocumentId, ct) ?? new TenantSettings();
        settings.AtRiskThreshold = request.AtRiskThreshold ?? settings.AtRiskThreshold;
        session.Store(settings);
        await session.SaveChangesAsync(ct);
        await Send.OkAsync(TenantSettingsView.Of(settings), ct);
    }
}
