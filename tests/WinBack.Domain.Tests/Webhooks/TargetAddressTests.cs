using System.Net;
using WinBack.Domain.Webhooks;

namespace WinBack.Domain.Tests.Webhooks;

public sealed class TargetAddressTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.8.9.10")]
    [InlineData("10.1.2.3")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.1.1")]
    [InlineData("169.254.169.254")]
    [InlineData("100.64.0.1")]
    [InlineData("0.0.0.0")]
    [InlineData("224.0.0.1")]
    [InlineData("::1")]
    [InlineData("fe80::1")]
    [InlineData("fd00::1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:10.0.0.1")]
    [InlineData("::")]
    public void Private_loopback_and_link_local_addresses_are_refused(string address) =>
        TargetAddress.IsPrivate(IPAddress.Parse(address)).ShouldBeTrue();

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("172.32.0.1")]
    [InlineData("100.128.0.1")]
    [InlineData("192.169.0.1")]
    [InlineData("2606:4700:4700::1111")]
    public void Public_addresses_are_allowed(string address) =>
        TargetAddress.IsPrivate(IPAddress.Parse(address)).ShouldBeFalse();

    /// <summary>Each IPv6 transition form, spelled for an IPv4 address: refused exactly when that IPv4 address is.</summary>
    public static TheoryData<string, string> TransitionForms => new()
    {
        { "IPv4-mapped", "::ffff:{0}" },
        { "IPv4-compatible", "::{0}" },
        { "IPv4-translated", "::ffff:0:{0}" },
        { "NAT64 well-known prefix", "64:ff9b::{0}" },
        { "6to4", "2002:{1}:{2}::1" },
        { "Teredo client", "2001:0:4136:e378:8000:63bf:{3}:{4}" },
        { "Teredo server", "2001:0:{1}:{2}:8000:63bf:f7f7:f7f7" },
    };

    [Theory]
    [MemberData(nameof(TransitionForms))]
    public void An_IPv6_transition_form_is_refused_by_the_rule_for_the_IPv4_address_it_carries(string form, string template)
    {
        foreach (var ipv4 in new[] { "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1" })
            TargetAddress.IsPrivate(Spell(template, ipv4)).ShouldBeTrue($"{form} of {ipv4}");
        foreach (var ipv4 in new[] { "8.8.8.8", "93.184.215.14", "172.32.0.1", "100.128.0.1" })
            TargetAddress.IsPrivate(Spell(template, ipv4)).ShouldBeFalse($"{form} of {ipv4}");
    }

    [Theory]
    [InlineData("64:ff9b:1::a00:1")]
    [InlineData("64:ff9b:1:808:808::")]
    [InlineData("64:ff9b:1:ffff::1")]
    public void The_local_use_NAT64_prefix_is_refused_whatever_it_carries(string address) =>
        TargetAddress.IsPrivate(IPAddress.Parse(address)).ShouldBeTrue();

    // {0}: the dotted IPv4; {1} {2}: its two hex halves; {3} {4}: the same inverted (Teredo's client obfuscation).
    private static IPAddress Spell(string template, string ipv4)
    {
        var b = IPAddress.Parse(ipv4).GetAddressBytes();
        string Hex(int hi, int lo) => $"{hi:x2}{lo:x2}";
        var spelled = IPAddress.Parse(string.Format(template, ipv4, Hex(b[0], b[1]), Hex(b[2], b[3]),
            Hex(b[0] ^ 0xff, b[1] ^ 0xff), Hex(b[2] ^ 0xff, b[3] ^ 0xff)));
        spelled.AddressFamily.ShouldBe(System.Net.Sockets.AddressFamily.InterNetworkV6);
        return spelled;
    }
}
