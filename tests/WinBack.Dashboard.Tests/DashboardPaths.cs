namespace WinBack.Dashboard.Tests;

internal static class DashboardPaths
{
    /// <summary>The checkout's root: the folder above the test's output that holds WinBack.sln.</summary>
    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "WinBack.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("WinBack.sln not found above the test's folder.");
    }
}
