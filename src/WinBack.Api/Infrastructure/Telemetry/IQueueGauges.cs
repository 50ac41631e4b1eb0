using System.Diagnostics.Metrics;

namespace WinBack.Api.Infrastructure.Telemetry;

/// <summary>
/// The readings behind the queue gauges of <see cref="WinBackMetrics"/>. The Platform feature implements them from the
/// queries of GET /v1/platform/status; without it the gauges report nothing.
/// </summary>
public interface IQueueGauges
{
    IEnumerable<Measurement<long>> OutboxDepth();

    IEnumerable<Measurement<double>> DaemonLag();
}
