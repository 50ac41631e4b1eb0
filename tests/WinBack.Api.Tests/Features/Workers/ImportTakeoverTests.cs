using WinBack.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace WinBack.Api.Tests.Features.Workers;

/// <summary>
/// Real processes: the worker running an import is killed (SIGKILL) or stopped (SIGTERM) part-way through. The other
/// worker resumes it from its last checkpoint (after the 5 s lease when killed; at once when handed back), and every line
/// becomes exactly one customer.
/// </summary>
[Collection(WorkerProcesses.Name)]
public sealed class ImportTakeoverTests(ITestOutputHelper output)
{
    // Enough that the signal lands mid-import: at 20,000 a fast import once finished between the quarter mark and the signal.
    private const int Lines = 50_000;

    [Theory]
    [InlineData("SIGKILL")]
    [InlineData("SIGTERM")]
    public async Task Every_line_is_imported_once_when_the_worker_running_the_import_is_killed(string signal)
    {
        await using var cluster = await WorkerCluster.StartAsync();
        var tenant = await cluster.CreateTenantAsync("test");
        var import = await WorkerCluster.UploadImportAsync(tenant, Lines);

        await ServiceProcess.WaitUntilAsync(async () => await LinesReadAsync() >= Lines / 4, TimeSpan.FromSeconds(60),
            "a quarter of the lines imported");
        ServiceProcess? holder = null;
        await ServiceProcess.WaitUntilAsync(async () => (holder = await cluster.ImportHolderAsync(tenant.Id, import)) is not null,
            TimeSpan.FromSeconds(30), "a worker holding the import");
        var killedAt = await WorkerCluster.StopAsync(holder!, signal);
        var readByTheFirst = await LinesReadAsync();
        readByTheFirst.ShouldBeLessThan(Lines, "the signal must land in the middle of the import");
        await ServiceProcess.WaitUntilAsync(async () => await LinesReadAsync() > readByTheFirst, TimeSpan.FromSeconds(30),
            "the import going on after the signal");
        output.WriteLine($"{signal}: the import went on {killedAt.Elapsed.TotalSeconds:F1} s after the signal (lease 5 s, poll 0.5 s); " +
                         $"{readByTheFirst} of {Lines} lines were checkpointed before it.");

        var job = await WorkerCluster.WaitForImportAsync(tenant, import);
        job.GetProperty("status").GetString().ShouldBe("completed", job.ToString());
        (job.GetProperty("linesRead").GetInt64(), job.GetProperty("imported").GetInt64(), job.GetProperty("rejected").GetInt64())
            .ShouldBe((Lines, Lines, 0L));
        (await cluster.EventsAsync(tenant.Id, "customer_imported")).ShouldBe((Lines, Lines), "one customer per line, each imported once");
        return;

        async Task<long> LinesReadAsync() => (await WorkerCluster.ImportAsync(tenant, import)).GetProperty("linesRead").GetInt64();
    }
}
