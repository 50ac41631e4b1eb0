using StandardWebhooks;

namespace WinBack.Api.Features.Webhooks;

/// <summary>
/// The <c>webhook-signature</c> header, signed by the StandardWebhooks package (tested against the npm reference in
/// WebhookInteropTests): one <c>v1,…</c> signature per secret in use, newest first, space-separated, so a receiver still on
/// the previous secret verifies until the rotation's overlap ends.
/// </summary>
internal static class WebhookSigning
{
    public static string Header(IEnumerable<string> secrets, string messageId, DateTimeOffset sentAt, string body) =>
        string.Join(' ', secrets.Select(secret => new StandardWebhook(secret).Sign(messageId, sentAt, body)));
}
