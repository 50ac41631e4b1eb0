using FastEndpoints;
using FluentValidation;
using Marten;
using WinBack.Domain.Tenants;
using WinBack.Api.Infrastructure.Auth;

namespace WinBack.Api.Features.Tenants;

public sealed class UpdateTenantSettingsRequest
{
    /// <summary>The pAlive below which a customer counts as at risk, strictly between 0 and 1; default 0.3. It dates risk.atRiskSince on customers.</summary>
    /// <example>0.3</example>
    public double? AtRiskThreshold { get; set; }
    /// <summary>An IANA time zone id; default UTC. Birthday and anniversary rules fire on its calendar days.</summary>
    /// <example>Europe/Paris</example>
    public string? TimeZone { get; set; }
}

public sealed class UpdateTenantSettingsValidator : Validator<UpdateTenantSettingsRequest>
{
    public UpdateTenantSettingsValidator()
    {
        RuleFor(x => x.AtRiskThreshold).GreaterThan(0).LessThan(1).When(x => x.AtRiskThreshold is not null);
        RuleFor(x => x.TimeZone).Must(z => TenantTimeZone.Find(z) is not null).When(x => x.TimeZone is not null).WithMessage(TenantTimeZone.Rule);
    }
}

/// <param name="AtRiskThreshold">The pAlive below which a customer counts as at risk (risk.atRiskSince on customers).</param>
/// <param name="TimeZone">The IANA time zone whose calendar days birthdays and anniversaries fall on.</param>
public sealed record TenantSettingsView(double AtRiskThreshold, string TimeZone)
{
    public static TenantSettingsView Of(TenantSettings s) => new(s.AtRiskThreshold, s.TimeZone);
    public static readonly TenantSettingsView Example = new(TenantSettings.DefaultAtRiskThreshold, TenantTimeZone.Default);
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
            s.Description = "Settings of your own tenant, with their defaults until changed: atRiskThreshold (0.3), timeZone (UTC).";
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
                            "(400 otherwise): a customer is at risk once their pAlive falls below it, and risk.atRiskSince says since when. " +
                            "timeZone is an IANA id (400 otherwise): birthday rules fire at the start of the day in it, and anniversaries at the " +
                            "first purchase's (or first seen's) local time of day in it.";
            s.ExampleRequest = new UpdateTenantSettingsRequest { AtRiskThreshold = 0.25, TimeZone = "Europe/Paris" };
            s.Responses[200] = "The settings as they are now.";
            s.ResponseExamples[200] = TenantSettingsView.Example with { AtRiskThreshold = 0.25, TimeZone = "Europe/Paris" };
        });
    }

    public override async Task HandleAsync(UpdateTenantSettingsRequest request, CancellationToken ct)
    {
        var tenantId = HttpContext.Caller().RequireTenant();
        await using var session = store.LightweightSession(tenantId);
        var settings = await session.LoadAsync<TenantSettings>(TenantSettings.DocumentId, ct) ?? new TenantSettings();
        settings.AtRiskThreshold = request.AtRiskThreshold ?? settings.AtRiskThreshold;
        settings.TimeZone = request.TimeZone is { } zone ? TenantTimeZone.Find(zone)!.Id : settings.TimeZone;
        session.Store(settings);
        await session.SaveChangesAsync(ct);
        await Send.OkAsync(TenantSettingsView.Of(settings), ct);
    }
}
