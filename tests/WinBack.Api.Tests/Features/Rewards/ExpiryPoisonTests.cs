using Microsoft.Extensions.DependencyInjection;
using WinBack.Api.Features.Rewards;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Features.Webhooks;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Rewards;

/// <summary>
/// The worker's expiry run: a customer whose reward cannot be expired (a stored figure that cannot be summed) fails alone
/// and is recorded with its reason, while the tenant's other rewards and another tenant's expire in the same pass.
/// </summary>
public sealed class ExpiryPoisonTests
{
    [Fact]
    public async Task A_customer_that_cannot_be_expired_fails_alone_and_everyone_elses_rewards_expire_in_the_same_pass_across_a_restart()
    {
        var first = new WinBackApp();
        await first.InitializeAsync();
        var a = await first.CreateTenantAsync(mode: "live", name: "poisoned");
        var b = await first.CreateTenantAsync(mode: "live", name: "bystander");
        var poisoned = await a.IssueCreditAsync("e1", 500, expiresInDays: 1);
        var healthy = await a.IssueCreditAsync("e2", 500, expiresInDays: 1);
        var other = await b.IssueCreditAsync("f1", 500, expiresInDays: 1);
        // As stored before amounts were bounded: expiring what is left would overflow what has expired so far.
        await Db.ExecuteAsync(first.ConnectionString,
            "update winback.mt_doc_customerhistory set data = jsonb_set(data, '{rewards,0,expired}', '9223372036854775800') where tenant_id = @tenant and id = 'e1'",
            a.Id);

        first.Clock.Advance(TimeSpan.FromDays(2));
        (await Eventually.ReadAsync(() => b.RewardStatusAsync(other), s => s == "expired", "B's reward expired")).ShouldBe("expired");
        (await Eventually.ReadAsync(() => a.RewardStatusAsync(healthy), s => s == "expired", "A's other reward expired")).ShouldBe("expired");
        var failing = await Eventually.ReadAsync(
            async () => (await first.Services.GetRequiredService<BackgroundHealth>().FailingAsync(RewardExpiry.CustomerLoop, CancellationToken.None, a.Id)).All.ToList(),
            units => units.Count == 1, "e1 recorded as failing");
        failing.Single().UnitId.ShouldBe("e1");
        failing.Single().Reason.ShouldStartWith("A sum of amounts");
        (await a.RewardStatusAsync(poisoned)).ShouldBe("available");
        await first.DisposeAsync();

        await using var second = new SecondProcess(first.ConnectionString);
        await second.InitializeAsync();
        (await a.On(second).RewardStatusAsync(poisoned)).ShouldBe("available");
        (await a.On(second).RewardStatusAsync(healthy)).ShouldBe("expired");
        (await b.On(second).RewardStatusAsync(other)).ShouldBe("expired");
    }
}
