using System.Text.RegularExpressions;

namespace WinBack.Api.Infrastructure.Sharding;

/// <summary>
/// Where data lives. The master (<c>ConnectionStrings:WinBack</c>) holds platform data: tenants, API keys, the shard
/// assignment, worker nodes and the key ring. Tenant data lives on the shards (<c>WinBack:Shards:{name}</c>); with none
/// configured the master is also the only shard, named <see cref="OnlyShard"/>, and every path through the code is the same.
/// </summary>
public sealed partial class ShardLayout
{
    public const string OnlyShard = "main";

    private ShardLayout(string master, IReadOnlyList<Shard> shards)
    {
        MasterConnectionString = master;
        Shards = shards;
    }

    public string MasterConnectionString { get; }

    /// <summary>The shards in ordinal order of their names: "smallest" placement breaks ties by this order.</summary>
    public IReadOnlyList<Shard> Shards { get; }

    public bool MasterIsOnlyShard => Shards is [{ Name: OnlyShard }] && Shards[0].ConnectionString == MasterConnectionString;

    public bool Has(string name) => Shards.Any(s => s.Name == name);

    /// <param name="tune">Settings every connection string gets (<see cref="Marten.MartenSetup.Tuned"/>).</param>
    public static ShardLayout From(string master, IReadOnlyDictionary<string, string>? configured, Func<string, string> tune)
    {
        master = tune(master);
        if (configured is null || configured.Count == 0)
            return new ShardLayout(master, [new Shard(OnlyShard, master)]);
        var shards = configured
            .Select(pair => new Shard(pair.Key, pair.Value))
            .OrderBy(s => s.Name, StringComparer.Ordinal)
            .ToList();
        foreach (var shard in shards)
        {
            // Shard names become part of Marten's database ids and of status output: keep them plain.
            if (!ValidName().IsMatch(shard.Name))
                throw new InvalidOperationException(
                    $"WinBack:Shards: '{shard.Name}' is not a valid shard name (lower-case letters, digits and '_', starting with a letter, at most 40).");
            if (string.IsNullOrWhiteSpace(shard.ConnectionString))
                throw new InvalidOperationException($"WinBack:Shards:{shard.Name} has no connection string.");
        }
        return new ShardLayout(master, shards.Select(s => s with { ConnectionString = tune(s.ConnectionString) }).ToList());
    }

    [GeneratedRegex("^[a-z][a-z0-9_]{0,39}$")]
    private static partial Regex ValidName();

    public sealed record Shard(string Name, string ConnectionString);
}
