using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Kiota.Abstractions.Serialization;
using Microsoft.Kiota.Serialization.Json;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;
using WinBack.Client.Generated.Models;

namespace WinBack.Client.Webhooks;

/// <summary>
/// Checks that a delivery came from WinBack, then reads it. The signature is the StandardWebhooks package's
/// (<see cref="StandardWebhook.Sign"/>, compared in constant time with each <c>v1,…</c> in the header). The package's own <c>Verify</c> is not used: it checks
/// only the first of several signatures (so a receiver on the previous secret fails during a rotation), and its 5-minute
/// tolerance is fixed to the machine clock (<c>WebhookInteropTests</c> pins both).
/// </summary>
public sealed class WebhookVerifier(string secret, TimeSpan? tolerance = null, TimeProvider? clock = null)
{
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    private readonly StandardWebhook _signer = new(secret);
    private readonly TimeSpan _tolerance = tolerance ?? DefaultTolerance;
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <summary>Verifies an ASP.NET Core request (its raw body, read once) and returns the event it carries.</summary>
    public async Task<WebhookEventView> ReadAsync(HttpRequest request, CancellationToken cancellationToken = default)
    {
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        return Read(request.Headers["webhook-id"].ToString(), request.Headers["webhook-timestamp"].ToString(),
            request.Headers["webhook-signature"].ToString(), body);
    }

    /// <summary>Verifies the three headers and the raw body as received, then parses the body as the event envelope.</summary>
    /// <exception cref="WebhookVerificationException">A header is missing, the timestamp is outside the tolerance, or no
    /// signature matches.</exception>
    public WebhookEventView Read(string id, string timestamp, string signatures, string body)
    {
        Verify(id, timestamp, signatures, body);
        using var json = JsonDocument.Parse(body);
        return Parse(json.RootElement, WebhookEventView.CreateFromDiscriminatorValue);
    }

    /// <summary>The same, with <c>data</c> read as the event type's generated payload, e.g.
    /// <c>Read(…, RewardIssuedWebhook_data.CreateFromDiscriminatorValue)</c> for a <c>reward.issued</c>.</summary>
    public (WebhookEventView Event, T Data) Read<T>(string id, string timestamp, string signatures, string body, ParsableFactory<T> data)
        where T : IParsable
    {
        Verify(id, timestamp, signatures, body);
        using var json = JsonDocument.Parse(body);
        return (Parse(json.RootElement, WebhookEventView.CreateFromDiscriminatorValue), Parse(json.RootElement.GetProperty("data"), data));
    }

    private static T Parse<T>(JsonElement json, ParsableFactory<T> type) where T : IParsable =>
        new JsonParseNode(json).GetObjectValue(type) ?? throw new WebhookVerificationException("The body is not an event.");

    /// <inheritdoc cref="Read(string, string, string, string)"/>
    public void Verify(string id, string timestamp, string signatures, string body)
    {
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signatures))
            throw new WebhookVerificationException("webhook-id, webhook-timestamp and webhook-signature are required.");
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || seconds.ToString(CultureInfo.InvariantCulture) != timestamp || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
            throw new WebhookVerificationException("webhook-timestamp is not Unix seconds.");
        var sentAt = DateTimeOffset.FromUnixTimeSeconds(seconds);
        var off = _clock.GetUtcNow() - sentAt;
        if (off.Duration() > _tolerance)
            throw new WebhookVerificationException(off > TimeSpan.Zero ? "The message is too old." : "The message is from the future.");
        var expected = Encoding.ASCII.GetBytes(_signer.Sign(id, sentAt, body));
        foreach (var candidate in signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            if (CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(candidate)))
                return;
        throw new WebhookVerificationException("No signature matches the secret.");
    }
}
