using FastEndpoints;
using FluentValidation;
using Marten;
using Stripe;
using WinBack.Api.Features.Tenants;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Tenants;

namespace WinBack.Api.Features.Stripe;

public sealed class ConnectStripeRequest
{
    /// <summary>A secret (sk_…) or restricted (rk_…) key; test keys for test tenants, live keys for live tenants.</summary>
    /// <example>sk_test_51HxExampleOnly0000000000</example>
    public string? SecretKey { get; set; }
    /// <summary>The signing secret of the webhook endpoint you created in the Stripe dashboard for this tenant's URL.</summary>
    /// <example>whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw</example>
    public string? WebhookSigningSecret { get; set; }
}

public sealed class ConnectStripeValidator : Validator<ConnectStripeRequest>
{
    // Checked before any call to Stripe: a key Stripe.net cannot even put in a header (a space, a non-ASCII character)
    // would otherwise fail inside the client. Letters, digits and '_' after the prefix, as Stripe's keys have.
    public const string SecretKeyPattern = "^(sk|rk)_(test|live)_[A-Za-z0-9_]{8,247}$";
    public const string WebhookSecretPattern = "^whsec_[A-Za-z0-9_+/=]{8,249}$";

    public ConnectStripeValidator()
    {
        RuleFor(x => x.SecretKey).NotEmpty().MaximumLength(255).Matches(SecretKeyPattern)
            .WithMessage("'secretKey' must be a Stripe secret or restricted key: sk_test_, sk_live_, rk_test_ or rk_live_, then 8 to 247 letters, digits or '_'.");
        RuleFor(x => x.WebhookSigningSecret).NotEmpty().MaximumLength(255).Matches(WebhookSecretPattern)
            .WithMessage("'webhookSigningSecret' must be a Stripe webhook signing secret: whsec_, then 8 to 249 letters, digits or _ + / =.");
    }
}

public sealed class ConnectStripeEndpoint(IDocumentSession session, StripeClients clients, StripeSecrets secrets, TimeProvider wall)
    : Endpoint<ConnectStripeRequest, StripeConnectionView>
{
    public override void Configure()
    {
        Put("/integrations/stripe");
        Options(b => b.WithMetadata(CarriesSecret.Metadata));
        Roles(ApiScopes.Admin);
        Tags("Stripe");
        Summary(s =>
        {
            s.Summary = "Connect Stripe";
            s.Description = "Checks the key with one harmless call (reading the account's balance), then stores both secrets encrypted. " +
                            "Connecting again replaces them. From then on, account_credit rewards of customers with a stripeCustomerId " +
                            "become Stripe customer balance credits, and Stripe's events posted to webhookUrl feed WinBack.";
            s.ExampleRequest = new ConnectStripeRequest { SecretKey = "sk_test_51HxExampleOnly0000000000", WebhookSigningSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" };
            s.Responses[200] = "Connected; the secrets masked.";
            s.ResponseExamples[200] = StripeConnectionView.Example;
            s.Responses[422] = "Stripe refused the key (stripe_key_rejected).";
            s.ResponseExamples[422] = ApiProblem.Of(422, ErrorCodes.StripeKeyRejected, "Stripe refused the key", "Invalid API Key provided: sk_test_****4242");
            s.Responses[502] = "Stripe could not be reached (stripe_unavailable); nothing was stored.";
        });
    }

    public override async Task HandleAsync(ConnectStripeRequest request, CancellationToken ct)
    {
        var caller = HttpContext.Caller();
        var live = request.SecretKey!.Contains("_live_", StringComparison.Ordinal);
        if (live != (caller.Mode == TenantMode.Live))
            throw new ApiException(ProblemMapping.FromValidation([new FluentValidation.Results.ValidationFailure("secretKey",
                live ? "A test tenant takes a test key (sk_test_ or rk_test_)." : "A live tenant takes a live key (sk_live_ or rk_live_).")], 400));
        await CheckAsync(request.SecretKey, ct);
        var connection = new StripeConnection
        {
            EncryptedSecretKey = secrets.Protect(request.SecretKey), EncryptedWebhookSecret = secrets.Protect(request.WebhookSigningSecret!),
            MaskedSecretKey = StripeConnection.Mask(request.SecretKey), MaskedWebhookSecret = StripeConnection.Mask(request.WebhookSigningSecret!),
            Livemode = live, ConnectedAt = wall.GetUtcNow(),
        };
        session.Store(connection);
        await session.SaveChangesAsync(ct);
        await Send.OkAsync(StripeConnectionView.Of(connection, caller.RequireTenant()), ct);
    }

    private async Task CheckAsync(string secretKey, CancellationToken ct)
    {
        try
        {
            await new BalanceService(clients.For(secretKey)).GetAsync(cancellationToken: ct);
        }
        catch (StripeException e) when (e.HttpStatusCode is System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.Forbidden)
        {
            throw new ApiException(ApiProblem.Of(422, ErrorCodes.StripeKeyRejected, "Stripe refused the key", e.StripeError?.Message ?? e.Message));
        }
        catch (Exception e) when (e is StripeException or HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            throw new ApiException(ApiProblem.Of(502, ErrorCodes.StripeUnavailable, "Stripe could not be reached",
                "Checking the key with Stripe failed; nothing was stored. Try again."));
        }
    }
}
