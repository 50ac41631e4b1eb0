using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;
using WinBack.Api.Features.Webhooks;
using WinBack.Client.Generated.Models;
using WinBack.Client.Webhooks;
using WinBack.Domain.Webhooks;

namespace WinBack.Api.Tests.Features.Webhooks;

/// <summary>
/// WinBack's signatures (the StandardWebhooks package) against the npm reference <c>standardwebhooks</c> run in node, both
/// ways, and <see cref="WebhookVerifier"/> (WinBack.Client.Webhooks) on what the reference signs.
/// </summary>
public sealed class WebhookInteropTests
{
    // Non-ASCII on purpose: both sides must sign the UTF-8 bytes of the body as sent.
    private const string Body = """{"id":"evt_1","type":"ping","createdAt":"2026-11-24T09:00:00Z","tenantId":"ten_1","customerId":null,"sequence":0,"data":{"endpointId":"we_1","note":"Café – ✓ 😀"}}""";
    private const string Id = "evt_1";

    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    [Fact]
    public async Task The_package_signs_the_specifications_example_as_the_reference_does()
    {
        const string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        const string body = """{"test": 2432232314}""";
        var ours = WebhookSigning.Header([secret], "msg_p5jXN8AQM9LWM0D4loKWxJek", DateTimeOffset.FromUnixTimeSeconds(1614265330), body);

        ours.ShouldBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        (await WebhookReference.SignAsync([secret], "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)).ShouldBe(ours);
    }

    [Fact]
    public async Task The_reference_verifies_what_WinBack_sends_with_either_secret_during_a_rotation()
    {
        var (next, previous) = (WebhookSecret.New(), WebhookSecret.New());
        var timestamp = Now;
        var header = WebhookSigning.Header([next, previous], Id, DateTimeOffset.FromUnixTimeSeconds(timestamp), Body);

        header.Split(' ').Length.ShouldBe(2);
        (await WebhookReference.VerifyAsync(next, Id, $"{timestamp}", header, Body)).Verified.ShouldBeTrue();
        (await WebhookReference.VerifyAsync(previous, Id, $"{timestamp}", header, Body)).Verified.ShouldBeTrue();
        var stranger = await WebhookReference.VerifyAsync(WebhookSecret.New(), Id, $"{timestamp}", header, Body);
        stranger.Verified.ShouldBeFalse();
        stranger.Said.ShouldContain("No matching signature");
        (await WebhookReference.VerifyAsync(next, Id, $"{timestamp}", header, Body + " ")).Verified.ShouldBeFalse();
    }

    [Fact]
    public async Task The_client_helper_verifies_what_the_reference_signs_and_reads_the_event()
    {
        var secret = WebhookSecret.New();
        var timestamp = Now;
        var header = await WebhookReference.SignAsync([secret], Id, timestamp, Body);

        var received = new WebhookVerifier(secret).Read(Id, $"{timestamp}", header, Body);

        received.Id.ShouldBe("evt_1");
        received.Type.ShouldBe(WebhookEventType.Ping);
        received.Sequence.ShouldBe(0);
        received.CreatedAt.ShouldBe(DateTimeOffset.Parse("2026-11-24T09:00:00Z"));

        // The same from an ASP.NET Core request, as a receiver's endpoint gets it.
        var context = new DefaultHttpContext();
        context.Request.Body = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(Body));
        (context.Request.Headers["webhook-id"], context.Request.Headers["webhook-timestamp"], context.Request.Headers["webhook-signature"]) =
            (Id, $"{timestamp}", header);
        (await new WebhookVerifier(secret).ReadAsync(context.Request)).Id.ShouldBe("evt_1");
    }

    [Fact]
    public async Task A_tampered_body_a_wrong_secret_and_a_timestamp_outside_the_tolerance_are_rejected()
    {
        var secret = WebhookSecret.New();
        var timestamp = Now;
        var header = await WebhookReference.SignAsync([secret], Id, timestamp, Body);
        var verifier = new WebhookVerifier(secret);

        Should.Throw<WebhookVerificationException>(() => verifier.Verify(Id, $"{timestamp}", header, Body.Replace("ping", "pong")));
        Should.Throw<WebhookVerificationException>(() => verifier.Verify("evt_2", $"{timestamp}", header, Body));
        Should.Throw<WebhookVerificationException>(() => new WebhookVerifier(WebhookSecret.New()).Verify(Id, $"{timestamp}", header, Body));
        Should.Throw<WebhookVerificationException>(() => verifier.Verify(Id, $"{timestamp}", "", Body));

        var old = timestamp - 6 * 60;
        var oldHeader = await WebhookReference.SignAsync([secret], Id, old, Body);
        Should.Throw<WebhookVerificationException>(() => verifier.Verify(Id, $"{old}", oldHeader, Body)).Message.ShouldContain("too old");
        (await WebhookReference.VerifyAsync(secret, Id, $"{old}", oldHeader, Body)).Verified.ShouldBeFalse(); // the reference agrees
        new WebhookVerifier(secret, tolerance: TimeSpan.FromMinutes(10)).Verify(Id, $"{old}", oldHeader, Body);

        var early = timestamp + 6 * 60;
        var earlyHeader = await WebhookReference.SignAsync([secret], Id, early, Body);
        Should.Throw<WebhookVerificationException>(() => verifier.Verify(Id, $"{early}", earlyHeader, Body)).Message.ShouldContain("future");

        // The tolerance is read on the verifier's clock, so a receiver can test it without waiting.
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(timestamp));
        var onClock = new WebhookVerifier(secret, clock: clock);
        onClock.Verify(Id, $"{timestamp}", header, Body);
        clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        Should.Throw<WebhookVerificationException>(() => onClock.Verify(Id, $"{timestamp}", header, Body));
    }

    [Fact]
    public async Task A_rotated_pair_signed_by_the_reference_verifies_with_either_secret_and_not_a_third()
    {
        var (next, previous) = (WebhookSecret.New(), WebhookSecret.New());
        var timestamp = Now;
        var header = await WebhookReference.SignAsync([next, previous], Id, timestamp, Body);

        new WebhookVerifier(next).Verify(Id, $"{timestamp}", header, Body);
        new WebhookVerifier(previous).Verify(Id, $"{timestamp}", header, Body);
        Should.Throw<WebhookVerificationException>(() => new WebhookVerifier(WebhookSecret.New()).Verify(Id, $"{timestamp}", header, Body));
    }

    /// <summary>Why <see cref="WebhookVerifier"/> signs with the package but does not call its Verify. When this fails, the
    /// package checks every signature and the verifier may use it.</summary>
    [Fact]
    public void The_packages_own_Verify_checks_only_the_first_of_several_signatures()
    {
        var (next, previous) = (WebhookSecret.New(), WebhookSecret.New());
        var sentAt = DateTimeOffset.UtcNow;
        var headers = new HeaderDictionary
        {
            ["webhook-id"] = Id,
            ["webhook-timestamp"] = $"{sentAt.ToUnixTimeSeconds()}",
            ["webhook-signature"] = WebhookSigning.Header([next, previous], Id, sentAt, Body),
        };

        new StandardWebhook(next).Verify(Body, headers);
        Should.Throw<WebhookVerificationException>(() => new StandardWebhook(previous).Verify(Body, headers));
    }
}
