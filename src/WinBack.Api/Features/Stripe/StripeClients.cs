using Microsoft.Extensions.Options;
using Stripe;
using WinBack.Api.Infrastructure.Hosting;

namespace WinBack.Api.Features.Stripe;

/// <summary>
/// Stripe.net clients for tenants' keys, on one shared HttpClient. Stripe.net's own retries are off: the outbox retries
/// with its own backoff and the same idempotency key. <c>WinBack__Stripe__ApiBase</c> points them elsewhere (tests).
/// </summary>
public sealed class StripeClients(IOptions<WinBackOptions> options) : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = options.Value.Stripe.Timeout };

    public IStripeClient For(string secretKey) => new StripeClient(new StripeClientOptions
    {
        ApiKey = secretKey,
        ApiBase = options.Value.Stripe.ApiBase ?? StripeClient.DefaultApiBase,
        HttpClient = new SystemNetHttpClient(_http, maxNetworkRetries: 0),
    });

    public void Dispose() => _http.Dispose();
}
