using Microsoft.Kiota.Abstractions;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary;
using WinBack.Client.Generated;

namespace WinBack.Client;

/// <summary>Makes the generated <see cref="WinBackApiClient"/> ready to use: base URL, API key, default Idempotency-Keys,
/// retries, and every problem answer thrown as one <see cref="WinBackApiException"/>.</summary>
public static class WinBackClient
{
    /// <param name="http">Your own HttpClient (IHttpClientFactory, a test server's). Build it over
    /// <see cref="CreateHandlers"/> to keep default Idempotency-Keys and retries; without it, one is made.</param>
    public static WinBackApiClient Create(string baseUrl, string apiKey, HttpClient? http = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(apiKey);
        var adapter = new HttpClientRequestAdapter(new BearerKey(apiKey), httpClient: http ?? KiotaClientFactory.Create(CreateHandlers()))
        {
            BaseUrl = baseUrl.TrimEnd('/'),
        };
        return new WinBackApiClient(new ProblemMappingAdapter(adapter));
    }

    /// <summary>The client's handlers, outermost first: the Idempotency-Key outside Kiota's retry handler, so that every
    /// attempt of one call sends the same key and the server replays instead of doing it twice.</summary>
    public static IList<DelegatingHandler> CreateHandlers() =>
        [new IdempotencyKeyHandler(), .. KiotaClientFactory.CreateDefaultHandlers()];

    // Kiota's ApiKeyAuthenticationProvider refuses plain http, and the service runs on http://127.0.0.1 in Development.
    private sealed class BearerKey(string apiKey) : IAuthenticationProvider
    {
        public Task AuthenticateRequestAsync(RequestInformation request, Dictionary<string, object>? additionalAuthenticationContext = null,
            CancellationToken cancellationToken = default)
        {
            request.Headers.TryAdd("Authorization", "Bearer " + apiKey);
            return Task.CompletedTask;
        }
    }
}
