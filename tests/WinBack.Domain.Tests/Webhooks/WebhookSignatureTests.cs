using WinBack.Domain.Webhooks;

namespace WinBack.Domain.Tests.Webhooks;

public sealed class WebhookSignatureTests
{
    // The example of the Standard Webhooks specification (and Svix's documentation).
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string MessageId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const long Timestamp = 1614265330;
    private const string Body = """{"test": 2432232314}""";

    [Fact]
    public void Signs_the_specifications_example()
    {
        WebhookSignature.Sign(Secret, MessageId, Timestamp, Body).ShouldBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    [Fact]
    public void During_a_rotation_both_secrets_sign_and_either_verifies()
    {
        var next = WebhookSignature.NewSecret();
        var header = WebhookSignature.Header([next, Secret], MessageId, Timestamp, Body);

        header.Split(' ').Length.ShouldBe(2);
        WebhookSignature.Verify(Secret, MessageId, Timestamp, Body, header).ShouldBeTrue();
        WebhookSignature.Verify(next, MessageId, Timestamp, Body, header).ShouldBeTrue();
        WebhookSignature.Verify(WebhookSignature.NewSecret(), MessageId, Timestamp, Body, header).ShouldBeFalse();
        WebhookSignature.Verify(Secret, MessageId, Timestamp + 1, Body, header).ShouldBeFalse();
        WebhookSignature.Verify(Secret, MessageId, Timestamp, Body + " ", header).ShouldBeFalse();
    }

    [Fact]
    public void New_secrets_are_well_formed_and_distinct()
    {
        var a = WebhookSignature.NewSecret();
        a.ShouldStartWith("whsec_");
        WebhookSignature.IsSecret(a).ShouldBeTrue();
        WebhookSignature.NewSecret().ShouldNotBe(a);
        WebhookSignature.IsSecret("whsec_short").ShouldBeFalse();
        WebhookSignature.IsSecret("sk_live_123").ShouldBeFalse();
        WebhookSignature.IsSecret(null).ShouldBeFalse();
    }
}
