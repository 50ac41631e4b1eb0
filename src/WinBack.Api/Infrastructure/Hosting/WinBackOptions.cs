namespace WinBack.Api.Infrastructure.Hosting;

/// <summary>The <c>WinBack</c> configuration section (environment: <c>WinBack__Name</c>).</summary>
public sealed class WinBackOptions
{
    public const string Section = "WinBack";

    /// <summary><c>all</c> (one process), <c>api</c> (stateless HTTP) or <c>worker</c> (exactly one: daemon and background jobs).</summary>
    public WinBackRole Role { get; set; } = WinBackRole.All;

    /// <summary>
    /// The shards that hold tenant data, by name (<c>WinBack__Shards__a=Host=…</c>). Empty: the master database
    /// (<c>ConnectionStrings:WinBack</c>) is the only shard. See docs/scaling.md.
    /// </summary>
    public Dictionary<string, string> Shards { get; set; } = [];

    /// <summary>
    /// Marten's tenant-partitioned events (a partition and a sequence per tenant). Off: every shard's tenants share one
    /// events table. For measurement only (docs/scaling.md says what it costs and why it is off).
    /// </summary>
    public bool TenantPartitionedEvents { get; set; }

    /// <summary>Where the local PostgreSQL cluster lives when no connection string is set.</summary>
    public string DataDir { get; set; } = ".winback/pg";

    /// <summary>Folder with initdb and pg_ctl; found on PATH or under /usr/lib/postgresql when unset.</summary>
    public string? PostgresBinDir { get; set; }

    /// <summary>The operator's key for <c>POST /v1/tenants</c>. Generated per run in Development when unset.</summary>
    public string? PlatformKey { get; set; }

    public RateLimitOptions RateLimit { get; set; } = new();

    /// <summary>Active (unrevoked) API keys a tenant may hold; creating one more is refused with 409 api_key_limit_reached.</summary>
    public int MaxApiKeysPerTenant { get; set; } = 50;

    public ForwardedHeadersSettings ForwardedHeaders { get; set; } = new();

    public EngineOptions Engine { get; set; } = new();

    public RiskOptions Risk { get; set; } = new();

    public WebhookOptions Webhooks { get; set; } = new();

    public StripeOptions Stripe { get; set; } = new();

    public WorkerOptions Workers { get; set; } = new();

    public BackgroundOptions Background { get; set; } = new();
    public MoveOptions Moves { get; set; } = new();
    public DataProtectionCertificateOptions DataProtection { get; set; } = new();

    /// <summary>How long an Idempotency-Key is remembered; the contract promises at least 24 hours.</summary>
    public TimeSpan IdempotencyRetention { get; set; } = TimeSpan.FromHours(48);

    /// <summary>Largest request body accepted, in bytes; larger ones get 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 2 * 1024 * 1024;

    /// <summary>Largest upload (customer import file) accepted, in bytes.</summary>
    public long MaxUploadBytes { get; set; } = 1024L * 1024 * 1024;
}

public sealed class EngineOptions
{
    /// <summary>How often the worker sweeps live tenants for lapses (ticks fall on multiples of it since the Unix epoch).</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often the worker expires due rewards of live tenants; expiry events carry the exact expiresAt regardless.</summary>
    public TimeSpan ExpiryInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How often the worker recomputes the report rollups of groups that changed. A report refreshes its own tenant
    /// first anyway; refreshing less often while a sweep writes leaves the database to the sweep.
    /// </summary>
    public TimeSpan ReportRefreshInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long before a reward expires the reward.expiring_soon webhook goes out (RewardExpiryApproached).</summary>
    public TimeSpan ExpiringSoonLead { get; set; } = TimeSpan.FromDays(3);
}

public sealed class RiskOptions
{
    /// <summary>How often the worker refits each live tenant's purchase model (WinBack__Risk__RefitInterval).</summary>
    public TimeSpan RefitInterval { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Fewer purchasing customers than this is insufficient_data.</summary>
    public int MinCustomers { get; set; } = 500;

    /// <summary>Fewer customers with a repeat purchase than this is insufficient_data.</summary>
    public int MinRepeatBuyers { get; set; } = 100;

    /// <summary>Optimiser iterations before a fit is given up as not converging (failed; the previous model stays).</summary>
    public int MaxIterations { get; set; } = 5_000;
}

public sealed class WebhookOptions
{
    /// <summary>
    /// Whether webhook URLs may point at loopback, link-local or private addresses. Off in production (a tenant must not
    /// reach the service's own network); on in Development and tests, whose receivers run on 127.0.0.1.
    /// </summary>
    public bool AllowPrivateTargets { get; set; }

    /// <summary>How long one delivery attempt may take before it counts as failed.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the previous secret keeps signing after a rotation.</summary>
    public TimeSpan SecretRotationOverlap { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Attempts in flight at once across all tenants.</summary>
    public int MaxInFlight { get; set; } = 512;

    /// <summary>
    /// Attempts in flight at once for one tenant: a tenant whose receivers are slow holds at most this many of
    /// <see cref="MaxInFlight"/> (a quarter by default), and the rest go round the other tenants.
    /// </summary>
    public int MaxInFlightPerTenant { get; set; } = 128;

    /// <summary>
    /// Attempts in flight at once for one endpoint. Below the tenant's share, a tenant's slow receiver leaves room for its
    /// others, at a cost in one endpoint's throughput (64 drained about a third less than 128, docs/benchmarks.md).
    /// </summary>
    public int MaxInFlightPerEndpoint { get; set; } = 128;
}

public sealed class StripeOptions
{
    /// <summary>Where Stripe's API is; unset means Stripe's own (https://api.stripe.com). Tests point it at a local fake.</summary>
    public string? ApiBase { get; set; }

    /// <summary>How long one Stripe call may take before it counts as failed (and is retried).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(20);
}

public sealed class ForwardedHeadersSettings
{
    /// <summary>Comma-separated addresses of reverse proxies whose X-Forwarded-For/-Proto are believed; none by default.</summary>
    public string? KnownProxies { get; set; }

    /// <summary>Comma-separated networks (CIDR, e.g. 10.0.0.0/8) of such proxies; none by default.</summary>
    public string? KnownNetworks { get; set; }
}

/// <summary>How background loops set aside a unit of work (a tenant's share of a pass, or one row) that keeps failing.</summary>
public sealed class BackgroundOptions
{
    /// <summary>
    /// Failures in a row after which a unit is parked (N): enough to ride out a passing fault over a few passes, few enough that a
    /// poisoned unit stops costing every pass within minutes.
    /// </summary>
    public int ParkAfterFailures { get; set; } = 5;

    /// <summary>How often a parked unit is tried again; a success unparks it.</summary>
    public TimeSpan ParkedRetryInterval { get; set; } = TimeSpan.FromMinutes(30);
}

public sealed class DataProtectionCertificateOptions
{
    /// <summary>
    /// The RSA certificate (a PFX file's path, or the PFX in base64) that encrypts the Data Protection key ring at rest.
    /// Every process of a deployment needs the same one. Required outside Development.
    /// </summary>
    public string? Certificate { get; set; }

    public string? CertificatePassword { get; set; }

    /// <summary>Where Development keeps the self-signed certificate it makes when none is configured.</summary>
    public string LocalCertificatePath { get; set; } = ".winback/data-protection.pfx";
}

public sealed class WorkerOptions
{
    /// <summary>How often a worker that does not lead a background loop tries to take it over, and a leader checks its lease.</summary>
    public TimeSpan TakeoverPoll { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often a worker writes its heartbeat row (and at once, checked every second, when what it leads changes).</summary>
    public TimeSpan Heartbeat { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A worker not heard from for this long is taken for dead and no longer listed: the stated takeover time.</summary>
    public TimeSpan LostAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an import stays with the worker that took it without a checkpoint; then another may resume it.</summary>
    public TimeSpan ImportLease { get; set; } = TimeSpan.FromSeconds(20);
    /// <summary>How often an idle worker looks for a queued import (an upload to the same process wakes it at once).</summary>
    public TimeSpan ImportPoll { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>Lines per batch: the lines written together, and a checkpoint after each.</summary>
    public int ImportBatchLines { get; set; } = 1000;

    /// <summary>How often every process checks whether a tenant moved to another shard (and reloads its map of tenants to shards).</summary>
    public TimeSpan RoutingPoll { get; set; } = TimeSpan.FromMilliseconds(500);
}

/// <summary>Moving tenants between shards (<c>POST /v1/platform/tenants/{id}/move</c>).</summary>
public sealed class MoveOptions
{
    /// <summary>How long a move stays with the worker that took it without a checkpoint; then another resumes it.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often an idle worker looks for a move to run (a move asked of the same process starts at once).</summary>
    public TimeSpan Poll { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long after the freeze began the source's last webhook and Stripe sends are taken as settled (they were picked before
    /// the freeze and end within their timeouts); the target holds the tenant's sends until then. Null: the longer timeout + 5 s.
    /// </summary>
    public TimeSpan? SettleAfter { get; set; }

    /// <summary>How many times a step may fail before a move that has not flipped is rolled back (a flipped one only goes forward).</summary>
    public int MaxFailures { get; set; } = 5;

    /// <summary>For tests of an interrupted move: the runner stops after this step and waits (a process killed there is resumed by another).</summary>
    public string? PauseAfterStep { get; set; }
}

public enum WinBackRole { All, Api, Worker }

public sealed class RateLimitOptions
{
    /// <summary>Sustained requests per second per API key.</summary>
    public int RequestsPerSecond { get; set; } = 100;

    /// <summary>Requests a key may send at once above the sustained rate.</summary>
    public int Burst { get; set; } = 200;

    /// <summary>Sustained requests per second per tenant, all its keys together.</summary>
    public int TenantRequestsPerSecond { get; set; } = 300;

    /// <summary>Requests a tenant's keys may send at once above the tenant's sustained rate.</summary>
    public int TenantBurst { get; set; } = 600;

    /// <summary>Sustained requests per second per client address without a verified key (checked before any database lookup).</summary>
    public int UnauthenticatedRequestsPerSecond { get; set; } = 50;

    /// <summary>Such requests a client address may send at once above that rate.</summary>
    public int UnauthenticatedBurst { get; set; } = 100;
}

public static class WinBackRoleExtensions
{
    public static bool ServesApi(this WinBackRole role) => role is WinBackRole.All or WinBackRole.Api;
    public static bool RunsWorker(this WinBackRole role) => role is WinBackRole.All or WinBackRole.Worker;
}
