using WinBack.Api.Infrastructure.Hosting;

namespace WinBack.Api.Tests.Infrastructure.Hosting;

/// <summary>
/// One wake reaches every waiter it is meant for: each shard's named loop, and each of the daemon's unnamed high-water agents
/// (one per shard); wakes before anyone looks count as one.
/// </summary>
public sealed class WakeSignalTests
{
    private sealed class Signal(int unnamed) : WakeSignal(unnamed);

    [Fact]
    public async Task One_wake_lets_each_unnamed_waiter_through_once_and_many_wakes_count_as_one()
    {
        var signal = new Signal(unnamed: 2);
        var first = signal.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
        var second = signal.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
        signal.Wake();
        (await first).ShouldBeTrue();
        (await second).ShouldBeTrue();

        signal.Wake();
        signal.Wake();
        signal.Wake();
        (await signal.WaitAsync(TimeSpan.Zero, CancellationToken.None)).ShouldBeTrue();
        (await signal.WaitAsync(TimeSpan.Zero, CancellationToken.None)).ShouldBeTrue();
        (await signal.WaitAsync(TimeSpan.Zero, CancellationToken.None)).ShouldBeFalse("three wakes before anyone looked let two through, not three");
    }

    [Fact]
    public async Task A_wake_reaches_every_named_waiter()
    {
        var signal = new Signal(unnamed: 1);
        var a = signal.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None, "a");
        var b = signal.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None, "b");
        signal.Wake();
        (await a).ShouldBeTrue();
        (await b).ShouldBeTrue();
        (await signal.WaitAsync(TimeSpan.Zero, CancellationToken.None, "a")).ShouldBeFalse();
    }
}
