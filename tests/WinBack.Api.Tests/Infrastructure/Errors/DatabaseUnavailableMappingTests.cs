using System.Net.Sockets;
using Marten.Exceptions;
using Npgsql;
using WinBack.Api.Infrastructure.Errors;

namespace WinBack.Api.Tests.Infrastructure.Errors;

/// <summary>The failures an outage produces, as Npgsql and Marten raise them, map to 503; other database errors do not.</summary>
public sealed class DatabaseUnavailableMappingTests
{
    public static TheoryData<string, Exception> Outages() => new()
    {
        { "connection refused", new NpgsqlException("Failed to connect to 127.0.0.1:5432", new SocketException((int)SocketError.ConnectionRefused)) },
        { "admin shutdown", Postgres(PostgresErrorCodes.AdminShutdown) },
        { "crash shutdown", Postgres(PostgresErrorCodes.CrashShutdown) },
        { "cannot connect now", Postgres(PostgresErrorCodes.CannotConnectNow) },
        { "too many connections", Postgres(PostgresErrorCodes.TooManyConnections) },
        { "connection failure", Postgres(PostgresErrorCodes.ConnectionFailure) },
        { "pool exhausted", new NpgsqlException("The connection pool has been exhausted, either raise 'Max Pool Size' (currently 1) or 'Timeout' (currently 1 seconds) in your connection string.", new TimeoutException()) },
        { "broken stream", new NpgsqlException("Exception while reading from stream", new EndOfStreamException()) },
        { "wrapped by Marten", new MartenCommandException(new NpgsqlCommand("select 1"), Postgres(PostgresErrorCodes.AdminShutdown)) },
        { "wrapped twice", new InvalidOperationException("outer", new AggregateException(new NpgsqlException("x", new SocketException()))) },
    };

    [Theory]
    [MemberData(nameof(Outages))]
    public void An_outage_is_503_database_unavailable(string what, Exception exception)
    {
        var problem = ProblemMapping.FromException(exception);

        problem.Status.ShouldBe(503, what);
        problem.Code.ShouldBe(ErrorCodes.DatabaseUnavailable);
    }

    [Theory]
    [InlineData(PostgresErrorCodes.DeadlockDetected)]
    [InlineData(PostgresErrorCodes.SerializationFailure)]
    [InlineData(PostgresErrorCodes.UniqueViolation)]
    public void Other_database_errors_are_not_outages(string sqlState) =>
        ProblemMapping.FromException(new MartenCommandException(new NpgsqlCommand("select 1"), Postgres(sqlState))).Status.ShouldNotBe(503);

    private static PostgresException Postgres(string sqlState) => new("message", "FATAL", "FATAL", sqlState);
}
