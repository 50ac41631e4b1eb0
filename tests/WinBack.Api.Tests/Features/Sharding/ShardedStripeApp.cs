using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Sharding;

/// <summary>The service over two shards on two servers (<see cref="ShardedWinBackApp"/>), pointed at a Stripe fake of its own.</summary>
public class ShardedStripeApp : ShardedWinBackApp
{
    public StripeFake Fake { get; private set; } = null!;

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
    {
        ["WinBack:Stripe:ApiBase"] = Fake.ApiBase,
        ["WinBack:Stripe:Timeout"] = "00:00:02",
    };

    protected override async Task<string> DatabaseAsync()
    {
        Fake = await StripeFake.StartAsync();
        return await base.DatabaseAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Fake.DisposeAsync();
    }
}
