namespace WinBack.Client;

/// <summary>Gives every POST an <c>Idempotency-Key</c> unless the caller set one. It sits outside the retry handler,
/// so a retried attempt carries the key of the first and the server answers it from its stored result.</summary>
public sealed class IdempotencyKeyHandler : DelegatingHandler
{
    public const string Header = "Idempotency-Key";

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Method == HttpMethod.Post && !request.Headers.Contains(Header))
            request.Headers.TryAddWithoutValidation(Header, Guid.NewGuid().ToString("N"));
        return base.SendAsync(request, cancellationToken);
    }
}
