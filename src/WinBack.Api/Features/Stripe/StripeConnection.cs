using Microsoft.AspNetCore.DataProtection;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Secrets;

namespace WinBack.Api.Features.Stripe;

/// <summary>
/// A tenant's Stripe account as WinBack holds it: both secrets encrypted (<see cref="StripeSecrets"/>),
/// and their masked forms for display. One per tenant.
/// </summary>
[Published]
public sealed class StripeConnection
{
    public const string TheId = "stripe";
    public string Id { get; init; } = TheId;
    public required string EncryptedSecretKey { get; init; }
    public required string EncryptedWebhookSecret { get; init; }
    public required string MaskedSecretKey { get; init; }
    public required string MaskedWebhookSecret { get; init; }
    public required bool Livemode { get; init; }
    public required DateTimeOffset ConnectedAt { get; init; }

    /// <summary>Whether the tenant is connected, read once per tenant for a page of events (the outbox subscriptions).</summary>
    public static async Task<bool> IsConnectedAsync(Marten.IDocumentOperations operations, string tenantId, Dictionary<string, bool> known,
        CancellationToken ct)
    {
        if (!known.TryGetValue(tenantId, out var connected))
            known[tenantId] = connected = await operations.ForTenant(tenantId).LoadAsync<StripeConnection>(TheId, ct) is not null;
        return connected;
    }

    /// <summary>Masks a secret for display: its kind (sk_test_, rk_live_, whsec_ …) and its last four characters.</summary>
    public static string Mask(string secret) => $"{secret[..(secret.LastIndexOf('_', Math.Min(secret.Length - 1, 8)) + 1)]}…{secret[^4..]}";
}

/// <summary>Encrypts and decrypts Stripe secrets (the purpose string is the one stored ciphertexts were made with).</summary>
public sealed class StripeSecrets(IDataProtectionProvider provider) : SecretProtector(provider, "WinBack.Stripe.Secrets.v1");
