namespace WinBack.Api.Infrastructure.Postgres;

/// <summary>Locates initdb and pg_ctl, or explains in one message what to do when they are missing.</summary>
internal sealed record PostgresBinaries(string InitDb, string PgCtl)
{
    public static PostgresBinaries Find(string? binDir)
    {
        var folders = binDir is not null
            ? [binDir]
            : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Concat(DebianVersionFolders());

        foreach (var folder in folders)
        {
            var initDb = Path.Combine(folder, "initdb");
            var pgCtl = Path.Combine(folder, "pg_ctl");
            if (File.Exists(initDb) && File.Exists(pgCtl))
                return new PostgresBinaries(initDb, pgCtl);
        }

        throw new LocalPostgresException(
            "PostgreSQL binaries (initdb, pg_ctl) were not found" + (binDir is null ? " on PATH or under /usr/lib/postgresql" : $" in {binDir}") + ". " +
            "Install PostgreSQL 15 (Debian: apt-get install postgresql), set WinBack__PostgresBinDir to the folder that holds them, " +
            "or set ConnectionStrings__WinBack to an existing server.");
    }

    // Debian installs the server binaries outside PATH, one folder per major version; newest first.
    private static IEnumerable<string> DebianVersionFolders()
    {
        const string root = "/usr/lib/postgresql";
        if (!Directory.Exists(root))
            return [];
        return Directory.GetDirectories(root)
            .Select(dir => (dir, version: int.TryParse(Path.GetFileName(dir), out var v) ? v : 0))
            .OrderByDescending(x => x.version)
            .Select(x => Path.Combine(x.dir, "bin"));
    }
}
