using System.Net;
using System.Net.Sockets;

namespace WinBack.Domain.Webhooks;

/// <summary>
/// Which addresses a webhook may not be delivered to unless private targets are allowed: loopback, link-local (cloud
/// metadata lives there), private and shared ranges, unspecified and multicast, in IPv4 and IPv6 (IPv4-mapped included).
/// A URL is refused when any address its host resolves to is one of these.
/// </summary>
public static class TargetAddress
{
    public static bool IsPrivate(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.None))
            return true;
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
            return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.IsIPv6UniqueLocal;
        var b = address.GetAddressBytes();
        return b[0] switch
        {
            0 or 10 or 127 => true,                       // "this" network, private, loopback
            100 => b[1] is >= 64 and <= 127,             // shared address space (carrier-grade NAT)
            169 => b[1] == 254,                           // link-local, cloud metadata
            172 => b[1] is >= 16 and <= 31,               // private
            192 => b[1] == 168 || b[1] == 0 && b[2] is 0 or 2, // private; IETF protocol assignments and TEST-NET-1
            198 => b[1] is 18 or 19,                      // benchmarking
            >= 224 => true,                               // multicast and reserved
            _ => false,
        };
    }
}
