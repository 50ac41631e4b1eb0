using WinBack.Api.Features.Reports;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Features.Reports;

/// <summary>The report tables are written by the daemon behind the writes; a test that reads a report waits for it first.</summary>
public static class ReportProjectionWait
{
    /// <summary>Waits until the report projection has folded every event committed so far.</summary>
    public static Task ReportsCaughtUpAsync(this WinBackApp app) => CaughtUpAsync(app.ConnectionString);

    public static async Task CaughtUpAsync(string connectionString)
    {
        var last = await Db.ScalarAsync(connectionString, "select coalesce(max(seq_id), 0) from winback.mt_events", "");
        await Eventually.ReadAsync(() => Db.ScalarAsync(connectionString,
                "select coalesce(max(last_seq_id), 0) from winback.mt_event_progression where name = @name", "",
                ("name", $"{ReportProjection.ProjectionName}:All")),
            seen => seen >= last, $"the report projection at event {last}");
    }
}
