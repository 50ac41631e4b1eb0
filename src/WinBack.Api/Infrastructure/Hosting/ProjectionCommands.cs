namespace WinBack.Api.Infrastructure.Hosting;

/// <summary>The service's command line, as JasperFx reads it.</summary>
public static class ProjectionCommands
{
    /// <summary>How long a rebuild may replay one projection unless the command names its own <c>--shard-timeout</c>.</summary>
    public const string RebuildTimeout = "24h";

    /// <summary>
    /// <c>projections --rebuild</c> (Marten's older spelling) is JasperFx's <c>projections rebuild</c>. A rebuild replays the whole
    /// event store, and JasperFx gives it 5 minutes per projection by default: a rebuild of 4.5 million events timed out half
    /// way (docs/benchmarks.md, #16), so a rebuild gets <see cref="RebuildTimeout"/> unless it says otherwise.
    /// </summary>
    public static string[] Normalize(string[] args)
    {
        string[] command = args is ["projections", "--rebuild", .. var rest] ? ["projections", "rebuild", .. rest] : args;
        return command is ["projections", "rebuild", ..] && !command.Contains("--shard-timeout")
            ? [.. command, "--shard-timeout", RebuildTimeout]
            : command;
    }
}
