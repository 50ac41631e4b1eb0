using WinBack.Api.Tests.Infrastructure;
namespace WinBack.Api.Tests.Architecture;

/// <summary>
/// docs/architecture.md, "Which database a connection goes to": every connection names the database it wants (the tenant's,
/// the platform's, or each one in turn), so that when tenants are spread over several databases no statement lands on the wrong one.
/// </summary>
public sealed class ConnectionRoutingTests
{
    // The old way to a connection (the store's one database) and Marten's one-database property, outside the helper that wraps it.
    private static readonly string[] Forbidden = ["Sql.OpenAsync(", "Storage.Database"];
    // Sessions without a tenant: under sharded tenancy there is no default database to open them on.
    private static readonly string[] TenantlessSessions = ["QuerySession()", "LightweightSession()", "DocumentSession()"];
    private const string Helper = "Infrastructure/Postgres/Sql.cs";

    [Fact]
    public void No_code_in_src_opens_a_connection_without_saying_which_database()
    {
        var root = SourceRoot();
        var files = Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)).ToList();
        files.ShouldContain(f => f.Replace('\\', '/').EndsWith(Helper, StringComparison.Ordinal));
        var offences = files
            .SelectMany(file => File.ReadLines(file).Select((text, i) => (File: Path.GetRelativePath(root, file).Replace('\\', '/'), Line: i + 1, Text: text)))
            .Where(l => !l.Text.TrimStart().StartsWith("//", StringComparison.Ordinal) && !l.Text.TrimStart().StartsWith("///", StringComparison.Ordinal))
            .Where(l => l.Text.Contains(Forbidden[0], StringComparison.Ordinal)
                || l.Text.Contains(Forbidden[1], StringComparison.Ordinal) && !l.File.EndsWith(Helper, StringComparison.Ordinal)
                || TenantlessSessions.Any(s => l.Text.Contains($"store.{s}", StringComparison.Ordinal)))
            .Select(l => $"{l.File}:{l.Line}: {l.Text.Trim()} — use Sql.OpenForTenantAsync, Sql.OpenPlatformAsync, Sql.EachDatabaseAsync, a tenant's session or ShardSessions")
            .ToList();
        offences.ShouldBeEmpty();
    }

    private static string SourceRoot() => Path.Combine(Repository.Root, "src");
}
