using System.Net;
using System.Net.Sockets;

namespace WinBack.Domain.Webhooks;

/// <summary>
/// Which addresses a webhook may not be delivered to unless private targets are allowed: loopback, link-local (cloud
/// metadata lives there), private and shared ranges, unspecified and multicast, in IPv4 and IPv6. An IPv6 address that
/// carries an IPv4 one (mapped, compatible, translated, NAT64, 6to4, Teredo) is judged by the IPv4 it reaches, so a
/// private IPv4 cannot be reached through its IPv6 spelling. A URL is refused when any address its host resolves to is one of these.
/// </summary>
public static class TargetAddress
{
    public static bool IsPrivate(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var bytes = address.GetAddressBytes();
            if (IsLocalUseNat64(bytes))
                return true;
            if (EmbeddedIPv4(bytes).Any(IsPrivateIPv4))
                return true;
            return IPAddress.IsLoopback(address) || address.Equals(IPAddress.IPv6Any) || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal ||
                   address.IsIPv6Multicast || address.IsIPv6UniqueLocal;
        }
        return IsPrivateIPv4(address);
    }

    private static bool IsPrivateIPv4(IPAddress address)
    {
        var b = address.GetAddressBytes();
        return b[0] switch
        {
            0 or 10 or 127 => true,                       // "this" network, private, loopback
            100 => b[1] is >= 64 and <= 127,             // shared address space (carrier-grade NAT)
            169 => b[1] == 254,                           // link-local, cloud metadata
            172 => b[1] is >= 16 and <= 31,               // private
            192 => b[1] == 168 || b[1] == 0 && b[2] is 0 or 2, // private; IETF protocol assignments and TEST-NET-1
            198 => b[1] is 18 or 19,                      // benchmarking
            >= 224 => true,                               // multicast, reserved, broadcast
            _ => false,
        };
    }

    // 64:ff9b:1::/48 (RFC 8215) is NAT64 for an operator's own network, whose prefix length (hence where the IPv4 sits) is theirs to choose.
    private static bool IsLocalUseNat64(byte[] b) => b[0] == 0 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4] == 0 && b[5] == 1;

    /// <summary>The IPv4 addresses an IPv6 address carries and reaches through a transition mechanism.</summary>
    private static IEnumerable<IPAddress> EmbeddedIPv4(byte[] b)
    {
        if (Zero(b, 0, 10) && (b[10], b[11]) is (0xff, 0xff) or (0, 0))
            yield return new IPAddress(b[12..16]);  // IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d (and :: and ::1)
        else if (Zero(b, 0, 8) && (b[8], b[9], b[10], b[11]) == (0xff, 0xff, 0, 0))
            yield return new IPAddress(b[12..16]);  // IPv4-translated ::ffff:0:a.b.c.d (RFC 2765)
        else if ((b[0], b[1], b[2], b[3]) == (0, 0x64, 0xff, 0x9b) && Zero(b, 4, 8))
            yield return new IPAddress(b[12..16]);  // NAT64 well-known prefix 64:ff9b::/96 (RFC 6052)
        else if ((b[0], b[1]) == (0x20, 0x02))
            yield return new IPAddress(b[2..6]);    // 6to4 2002:AABB:CCDD::/48 (RFC 3056)
        else if ((b[0], b[1], b[2], b[3]) == (0x20, 0x01, 0, 0))
        {
            // Teredo 2001:0::/32 (RFC 4380): the server's IPv4, then the client's with every bit inverted.
            yield return new IPAddress(b[4..8]);
            yield return new IPAddress(b[12..16].Select(x => (byte)~x).ToArray());
        }
    }

    private static bool Zero(byte[] b, int from, int count) => b.AsSpan(from, count).IndexOfAnyExcept((byte)0) < 0;
}
