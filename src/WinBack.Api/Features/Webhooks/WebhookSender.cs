using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Options;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Postgres;

namespace WinBack.Api.Features.Webhooks;

/// <summary>
/// Makes one signed POST of a delivery. Redirects are not followed (a 3xx is a failed attempt), proxies are not used,
/// every connection goes through <see cref="WebhookTarget.ConnectAsync"/>, and nothing about the request is logged:
/// the signing secrets must never reach a log.
/// </summary>
public sealed class WebhookSender : IDisposable
{
    public const int MaxResponseBodyBytes = 1024;
    private readonly HttpClient _client;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _wall;

    private readonly WebhookSecrets _secrets;

    public WebhookSender(IOptions<WinBackOptions> options, WebhookTarget target, TimeProvider wall, WebhookSecrets secrets)
    {
        _secrets = secrets;
        var webhooks = options.Value.Webhooks;
        _timeout = webhooks.Timeout;
        _wall = wall;
        _client = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            ConnectCallback = target.ConnectAsync,
            ConnectTimeout = _timeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        }) { Timeout = Timeout.InfiniteTimeSpan };
        _client.DefaultRequestHeaders.UserAgent.ParseAdd("WinBack-Webhooks/1.0");
    }

    /// <summary>
    /// Sends, and says what came of it: an answer, a timeout, or a connection that failed or was refused. Anything else
    /// (a row that cannot be signed or sent) throws, and so does <paramref name="stopping"/> being cancelled (the process stops).
    /// </summary>
    public async Task<AttemptOutcome> SendAsync(DueDelivery delivery, CancellationToken stopping)
    {
        var sentAt = _wall.GetUtcNow();
        var timestamp = sentAt.ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url)
        {
            Content = new StringContent(delivery.Payload, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("webhook-id", delivery.EventId);
        request.Headers.Add("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", WebhookSigning.Header(
            delivery.EncryptedSigningSecrets(sentAt).Select(_secrets.Open), delivery.EventId, DateTimeOffset.FromUnixTimeSeconds(timestamp), delivery.Payload));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(_timeout);
        var watch = Stopwatch.StartNew();
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var body = await ReadStartAsync(response, timeout.Token);
            return new AttemptOutcome((int)response.StatusCode, Elapsed(watch), body, null, sentAt);
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            return new AttemptOutcome(null, Elapsed(watch), null, $"No response within {_timeout.TotalSeconds:0} s.", sentAt);
        }
        catch (Exception e) when (e is HttpRequestException or IOException) // IOException: the answer broke off while being read
        {
            var refused = e.InnerException as WebhookTargetRefused;
            return new AttemptOutcome(null, Elapsed(watch), null, refused is not null ? $"Refused: {refused.Message}." : StorableText.Storable(e.Message), sentAt);
        }
    }

    private static async Task<string> ReadStartAsync(HttpResponseMessage response, CancellationToken ct)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[MaxResponseBodyBytes];
        var read = 0;
        int n;
        while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), ct)) > 0)
            read += n;
        // Recorded as it came, but storable: a receiver's NUL byte would otherwise fail the whole batch of attempts.
        return StorableText.Storable(Encoding.UTF8.GetString(buffer, 0, read));
    }

    private static int Elapsed(Stopwatch watch) => (int)Math.Min(int.MaxValue, watch.ElapsedMilliseconds);

    public void Dispose() => _client.Dispose();
}
