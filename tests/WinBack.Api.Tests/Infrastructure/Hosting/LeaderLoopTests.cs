using WinBack.Api.Infrastructure.Sharding;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using WinBack.Api.Features.Engine;
using WinBack.Api.Features.Webhooks;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Tests.Infrastructure;
using WinBack.Api.Infrastructure.Postgres;

namespace WinBack.Api.Tests.Infrastructure.Hosting;

/// <summary>A background loop is led by one process at a time, and another takes it over when the leader is gone.</summary>
public sealed class LeaderLoopTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    [Fact]
    public async Task Of_two_contenders_one_wins_and_a_crashed_holder_is_replaced()
    {
        var platform = app.Services.GetRequiredService<PlatformDatabase>();
        var name = $"test-{Guid.NewGuid():N}";

        var first = await SessionLock.TryAcquireAsync(platform.CreateConnection, LockKeys.Loop(name), CancellationToken.None);
        var second = await SessionLock.TryAcquireAsync(platform.CreateConnection, LockKeys.Loop(name), CancellationToken.None);
        first.ShouldNotBeNull();
        second.ShouldBeNull("the lease is held");
        (await first.StillHeldAsync()).ShouldBeTrue();

        // The holder's session ends as a killed process's would: its connection is terminated from outside.
        await TerminateHolderAsync(platform, name);
        (await first.StillHeldAsync()).ShouldBeFalse("the holder notices its lease is gone");
        await using var replacement = await SessionLock.TryAcquireAsync(platform.CreateConnection, LockKeys.Loop(name), CancellationToken.None);
        replacement.ShouldNotBeNull("another contender takes the lease over");
        await first.DisposeAsync();
    }

    [Fact]
    public async Task A_second_process_leads_the_loops_once_the_first_is_gone()
    {
        var first = new WinBackApp();
        await first.InitializeAsync();
        await Eventually.TrueAsync(() => Leads<EngineWorker>(first) && Leads<WebhookDispatcher>(first), "the first process leading");
        await using var second = new SecondProcess(first.ConnectionString);
        await second.InitializeAsync();
        Leads<EngineWorker>(second).ShouldBeFalse("one leader at a time");
        Leads<WebhookDispatcher>(second).ShouldBeFalse("one leader at a time");

        await first.DisposeAsync();

        await Eventually.TrueAsync(() => Leads<EngineWorker>(second) && Leads<WebhookDispatcher>(second), "the second process taking over");
    }

    private static bool Leads<T>(WinBackApp host) where T : LeaderLoop =>
        host.Services.GetServices<IHostedService>().OfType<T>().Single().IsLeading;

    private static async Task TerminateHolderAsync(PlatformDatabase platform, string name)
    {
        await using var connection = await Sql.OpenPlatformAsync(platform, CancellationToken.None);
        (await LockHolders.TerminateAsync(connection, LockKeys.Loop(name))).ShouldBe(1L);
    }
}
