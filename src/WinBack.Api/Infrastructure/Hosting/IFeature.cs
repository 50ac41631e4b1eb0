using Marten;

namespace WinBack.Api.Infrastructure.Hosting;

/// <summary>
/// A feature folder's one entry point: it registers its services, its part of the Marten store (documents, tables,
/// projections, subscriptions) and its background work. The host lists the features (Program.cs); Infrastructure
/// knows none of them, and a feature's endpoints are served only when its module is listed.
/// </summary>
public interface IFeature
{
    void Register(FeatureContext feature);
}

/// <summary>What a feature registers into: the services, the options, the process's role, and the Marten store.</summary>
public sealed class FeatureContext(IServiceCollection services, WinBackOptions options, IHostEnvironment environment)
{
    private readonly List<Action<StoreOptions>> _store = [];
    private readonly List<Action<MartenServiceCollectionExtensions.MartenConfigurationExpression>> _marten = [];
    private readonly List<Weasel.Postgresql.Tables.Table> _platformTables = [];

    public IServiceCollection Services { get; } = services;
    public WinBackOptions Options { get; } = options;
    public IHostEnvironment Environment { get; } = environment;
    public bool ServesApi => Options.Role.ServesApi();
    public bool RunsWorker => Options.Role.RunsWorker();

    /// <summary>Documents, tenant data's tables, projections: applied to the store (and so to every shard) when it is built.</summary>
    public void Store(Action<StoreOptions> configure) => _store.Add(configure);

    /// <summary>A table of platform data (no tenant's): it lives in the master database (<see cref="Sharding.ShardLayout"/>).</summary>
    public void PlatformTable(Weasel.Postgresql.Tables.Table table) => _platformTables.Add(table);

    internal IReadOnlyList<Weasel.Postgresql.Tables.Table> PlatformTables => _platformTables;

    /// <summary>
    /// A step that upgrades a shard's data in place, run at start on every shard after Marten's schema is applied (and on a shard
    /// that was away, once it answers): for data a former version stored otherwise. It must be idempotent and cheap once done.
    /// </summary>
    public void ShardUpgrade(Func<Npgsql.NpgsqlConnection, CancellationToken, Task> upgrade) =>
        Services.AddSingleton(new Sharding.ShardUpgrade(upgrade));

    /// <summary>Subscriptions and other registrations on Marten's builder.</summary>
    public void Marten(Action<MartenServiceCollectionExtensions.MartenConfigurationExpression> configure) => _marten.Add(configure);

    internal void ApplyTo(StoreOptions options) => _store.ForEach(configure => configure(options));

    internal void ApplyTo(MartenServiceCollectionExtensions.MartenConfigurationExpression marten) => _marten.ForEach(configure => configure(marten));
}
