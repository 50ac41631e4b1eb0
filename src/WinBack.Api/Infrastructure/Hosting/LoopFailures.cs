using WinBack.Api.Infrastructure.Errors;

namespace WinBack.Api.Infrastructure.Hosting;

/// <summary>How a background loop logs a failed try before it tries again.</summary>
public static class LoopFailures
{
    /// <summary>
    /// The exception to log with its stack, or null when the database is away: that one recurs on every poll until the
    /// database is back (several loops, once a second each), and its message alone says all an operator needs.
    /// </summary>
    public static Exception? WorthAStack(Exception e) => ProblemMapping.IsDatabaseUnavailable(e) ? null : e;
}
