using System.Net;
using System.Net.Sockets;
using FluentValidation.Results;
using WinBack.Domain.Webhooks;

namespace WinBack.Api.Features.Webhooks;

/// <summary>
/// Where a webhook may go. A URL is checked when it is set (a clear 400), and every connection is checked again when it
/// is made (<see cref="ConnectAsync"/>), because a name can resolve elsewhere later (DNS rebinding).
/// </summary>
public sealed class WebhookTarget(bool allowPrivate)
{
    /// <summary>The url field's problem, if any: not absolute http(s), http for a live tenant, or a private address.</summary>
    public async Task<ValidationFailure?> CheckAsync(string url, bool live, CancellationToken ct)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(uri.UserInfo))
            return new ValidationFailure("url", "'url' must be an absolute http or https URL without credentials.");
        if (live && uri.Scheme != "https")
            return new ValidationFailure("url", "'url' must use https for live tenants.");
        if (allowPrivate)
            return null;
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(uri.IdnHost, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(uri.IdnHost, ct);
        }
        catch (SocketException)
        {
            return null; // not resolvable today; every connection is checked when it is made
        }
        return addresses.FirstOrDefault(TargetAddress.IsPrivate) is { } refused
            ? new ValidationFailure("url", $"'url' resolves to {refused}, a loopback, link-local or private address; webhooks only go to public addresses.")
            : null;
    }

    /// <summary>The dispatcher's connect step: resolves the host and refuses private addresses unless they are allowed.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        if (!allowPrivate && addresses.FirstOrDefault(TargetAddress.IsPrivate) is { } refused)
            throw new WebhookTargetRefused($"{host} resolves to {refused}, a loopback, link-local or private address");
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

public sealed class WebhookTargetRefused(string message) : Exception(message);
