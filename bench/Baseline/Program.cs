using Npgsql;

// One transaction per request: insert one event row, upsert one jsonb document. A tuned pool of 16
// with auto-prepared statements, as in the brief's reference figure.
var connectionString = Environment.GetEnvironmentVariable("BASELINE_DB")
    ?? throw new InvalidOperationException("Set BASELINE_DB to a PostgreSQL connection string.");
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
await using var dataSource = new NpgsqlDataSourceBuilder(
    new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = 16, MaxAutoPrepare = 20, AutoPrepareMinUsages = 2 }.ConnectionString).Build();

await using (var setup = dataSource.CreateCommand("""
    create table if not exists bench_events (seq bigserial primary key, stream_id text not null, data jsonb not null, at timestamptz not null default now());
    create table if not exists bench_docs (id text primary key, data jsonb not null, version int not null);
    """))
    await setup.ExecuteNonQueryAsync();

var app = builder.Build();
app.MapPost("/customers/{customerId}/activities", async (string customerId, HttpRequest request) =>
{
    using var reader = new StreamReader(request.Body);
    var body = await reader.ReadToEndAsync();
    await using var connection = await dataSource.OpenConnectionAsync();
    await using var transaction = await connection.BeginTransactionAsync();
    await using (var insert = new NpgsqlCommand("insert into bench_events (stream_id, data) values ($1, $2::jsonb)", connection, transaction))
    {
        insert.Parameters.Add(new() { Value = customerId });
        insert.Parameters.Add(new() { Value = body });
        await insert.ExecuteNonQueryAsync();
    }
    await using (var upsert = new NpgsqlCommand(
        "insert into bench_docs (id, data, version) values ($1, $2::jsonb, 1) on conflict (id) do update set data = excluded.data, version = bench_docs.version + 1",
        connection, transaction))
    {
        upsert.Parameters.Add(new() { Value = customerId });
        upsert.Parameters.Add(new() { Value = body });
        await upsert.ExecuteNonQueryAsync();
    }
    await transaction.CommitAsync();
    return Results.Created();
});
app.Run();
