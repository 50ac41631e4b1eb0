using WinBack.Domain.Webhooks;

namespace WinBack.Domain.Tests.Webhooks;

public sealed class WebhookSecretTests
{
    [Fact]
    public void New_secrets_are_well_formed_and_distinct()
    {
        var a = WebhookSecret.New();
        a.ShouldStartWith("whsec_");
        WebhookSecret.IsWellFormed(a).ShouldBeTrue();
        WebhookSecret.New().ShouldNotBe(a);
        WebhookSecret.IsWellFormed("whsec_short").ShouldBeFalse();
        WebhookSecret.IsWellFormed("sk_live_123").ShouldBeFalse();
        WebhookSecret.IsWellFormed(null).ShouldBeFalse();
    }
}
