using System.Diagnostics.Metrics;
using WinBack.Api.Infrastructure.Telemetry;

namespace WinBack.Api.Features.Platform;

/// <summary>
/// The gauges' readings, from the same queries as GET /v1/platform/status. A reader collects them on its own thread (every
/// 60 s by default), so waiting on the query there blocks nothing else; a failed or slow read reports nothing.
/// </summary>
public sealed class QueueGauges(PlatformStatusReader reader, ILogger<QueueGauges> logger) : IQueueGauges
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public IEnumerable<Measurement<long>> OutboxDepth() => Read(async ct =>
    {
        var (webhooks, stripe) = await reader.OutboxDepthAsync(ct);
        return new[] { new Measurement<long>(webhooks, Tag("outbox", "webhooks")), new Measurement<long>(stripe, Tag("outbox", "stripe")) };
    });

    public IEnumerable<Measurement<double>> DaemonLag() => Read(async ct =>
        (await reader.ProjectionsAsync(ct)).Select(p => new Measurement<double>(p.LagSeconds, Tag("projection", p.Name))).ToArray());

    private IEnumerable<Measurement<T>> Read<T>(Func<CancellationToken, Task<Measurement<T>[]>> read) where T : struct
    {
        try
        {
            using var timeout = new CancellationTokenSource(Timeout);
            return read(timeout.Token).GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "A WinBack gauge could not be read; it reports nothing this time");
            return [];
        }
    }

    private static KeyValuePair<string, object?> Tag(string key, string value) => new(key, value);
}
