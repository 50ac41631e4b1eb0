using System.Diagnostics.Metrics;
using WinBack.Api.Infrastructure.Http;

namespace WinBack.Api.Infrastructure.Telemetry;

/// <summary>
/// WinBack's own meter, <c>WinBack</c>. Counters are recorded in the process that commits or sends (so they add up across
/// processes); the gauges are read from the database when a reader collects them, so that every process reports the same
/// figure (take one, or the max, per metric). Names are listed in the README's "Operating WinBack".
/// </summary>
public sealed class WinBackMetrics
{
    public const string MeterName = "WinBack";

    private readonly Counter<long> _activities;
    private readonly Counter<long> _rewardsIssued;
    private readonly Counter<long> _rewardsWithheld;
    private readonly Counter<long> _importLines;
    private readonly Counter<long> _webhookAttempts;
    private readonly Histogram<double> _webhookLatency;

    public WinBackMetrics(IMeterFactory meters, IServiceProvider services)
    {
        var meter = meters.Create(MeterName);
        _activities = meter.CreateCounter<long>("winback.activities.recorded", "{activity}", "Activities recorded, by type.");
        _rewardsIssued = meter.CreateCounter<long>("winback.rewards.issued", "{reward}", "Rewards issued, by reward type.");
        _rewardsWithheld = meter.CreateCounter<long>("winback.rewards.withheld", "{reward}", "Rewards withheld, by reason.");
        _importLines = meter.CreateCounter<long>("winback.import.lines", "{line}", "Import lines committed as customers.");
        _webhookAttempts = meter.CreateCounter<long>("winback.webhook.attempts", "{attempt}",
            "Webhook delivery attempts, by outcome: succeeded (2xx), rejected (another status), unreachable (no answer).");
        _webhookLatency = meter.CreateHistogram<double>("winback.webhook.delivery.latency", "s",
            "From the delivery's commit to the outbox to the receiver's 2xx answer.");
        // Read lazily: the readers need the document store, whose session listener needs these metrics.
        meter.CreateObservableGauge("winback.outbox.depth", () => services.GetService<IQueueGauges>()?.OutboxDepth() ?? [], "{item}",
            "Items waiting in an outbox: webhook deliveries pending, Stripe syncs pending.");
        meter.CreateObservableGauge("winback.daemon.lag", () => services.GetService<IQueueGauges>()?.DaemonLag() ?? [], "s",
            "Per async projection or subscription: how long ago the oldest event it has not processed yet was appended.");
    }

    /// <summary>Whether anyone listens to the event counters; when not, committing sessions skip counting altogether.</summary>
    public bool CountsEvents => _activities.Enabled || _rewardsIssued.Enabled || _rewardsWithheld.Enabled || _importLines.Enabled;

    public void ActivityRecorded(Enum type) => _activities.Add(1, new KeyValuePair<string, object?>("activity.type", StrictEnumConverter.WireName(type)));

    public void RewardIssued(Enum type) => _rewardsIssued.Add(1, new KeyValuePair<string, object?>("reward.type", StrictEnumConverter.WireName(type)));

    public void RewardWithheld(Enum reason) => _rewardsWithheld.Add(1, new KeyValuePair<string, object?>("reason", StrictEnumConverter.WireName(reason)));

    public void ImportLines(long lines) => _importLines.Add(lines);

    /// <param name="statusCode">The receiver's status; null when it did not answer.</param>
    /// <param name="queuedAt">When the delivery was committed to the outbox (PostgreSQL's clock).</param>
    public void WebhookAttempted(int? statusCode, DateTimeOffset queuedAt, DateTimeOffset answeredAt)
    {
        var outcome = statusCode switch { null => "unreachable", >= 200 and < 300 => "succeeded", _ => "rejected" };
        _webhookAttempts.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        if (outcome == "succeeded")
            _webhookLatency.Record(Math.Max(0, (answeredAt - queuedAt).TotalSeconds));
    }
}
