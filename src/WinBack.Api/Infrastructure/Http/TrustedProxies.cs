using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using WinBack.Api.Infrastructure.Hosting;

namespace WinBack.Api.Infrastructure.Http;

/// <summary>
/// The client address comes from X-Forwarded-For only when the connection comes from a configured proxy; with none
/// configured (the default, unlike ASP.NET's, which trusts loopback) the connection's own address is the client's.
/// </summary>
public static class TrustedProxies
{
    public static IServiceCollection AddTrustedProxies(this IServiceCollection services, ForwardedHeadersSettings settings)
    {
        var proxies = Split(settings.KnownProxies).Select(p => IPAddress.TryParse(p, out var address) ? address
            : throw new InvalidOperationException($"WinBack__ForwardedHeaders__KnownProxies: '{p}' is not an IP address.")).ToList();
        var networks = Split(settings.KnownNetworks).Select(n => System.Net.IPNetwork.TryParse(n, out var network) ? network
            : throw new InvalidOperationException($"WinBack__ForwardedHeaders__KnownNetworks: '{n}' is not a network such as 10.0.0.0/8.")).ToList();
        services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            proxies.ForEach(options.KnownProxies.Add);
            networks.ForEach(options.KnownIPNetworks.Add);
            // Walk back through every trusted proxy, stopping at the first address that is not one.
            options.ForwardLimit = null;
        });
        return services;
    }

    private static IEnumerable<string> Split(string? list) =>
        (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
