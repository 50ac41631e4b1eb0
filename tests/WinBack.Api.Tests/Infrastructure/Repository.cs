namespace WinBack.Api.Tests.Infrastructure;

/// <summary>The checkout the tests run from: the folder that holds WinBack.sln.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "WinBack.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException($"No WinBack.sln above {AppContext.BaseDirectory}.");
    }
}
