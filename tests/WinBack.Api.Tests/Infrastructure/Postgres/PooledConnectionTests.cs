using WinBack.Api.Infrastructure.Sharding;
using System.Net;
using System.Text;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using WinBack.Api.Features.Customers;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Domain.Customers;

namespace WinBack.Api.Tests.Infrastructure.Postgres;

/// <summary>
/// One pooled connection and no background worker: every statement of a test runs on the same PostgreSQL connection, in
/// the order the test sends it, so a connection left broken by one request is the very one the next request gets.
/// </summary>
public sealed class OneConnectionApp : WinBackApp
{
    protected override async Task<string> DatabaseAsync() => await base.DatabaseAsync() + ";Maximum Pool Size=1";

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string> { ["WinBack:Role"] = "api" };
}

/// <summary>
/// A value PostgreSQL refuses while binding a statement must not break the pooled connection for the next request. It did:
/// Npgsql auto-prepares a statement on its second use on a connection and marks it prepared once PostgreSQL has parsed it;
/// a NUL in a text or jsonb parameter then fails the Bind, before the statement's result description arrives, so Npgsql
/// remembers Marten's "insert into mt_events … returning seq_id" as returning nothing. The next append on that connection,
/// any tenant's, failed with "Received unexpected backend message DataRow". Text PostgreSQL cannot store is now refused
/// before it is sent (UnstorableTextException). Without that check, tenant B's activity below failed in every round.
/// </summary>
public sealed class PooledConnectionTests(OneConnectionApp app) : IClassFixture<OneConnectionApp>
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task A_write_with_NUL_that_bypasses_the_edge_is_refused_and_the_next_tenants_requests_on_the_connection_succeed()
    {
        var a = await app.CreateTenantAsync(name: "a");
        var b = await app.CreateTenantAsync(name: "b");
        var writer = app.Services.GetRequiredService<CustomerEventWriter>();
        var refusals = new List<Exception>();

        for (var round = 0; round < 5; round++)
        {
            // The first append on a fresh connection, then (with the NUL) the second: the one that prepares the insert.
            (await a.Ingest.PostAsync($"/v1/customers/good_{round}/activities", Json("""{"type":"login"}"""))).StatusCode.ShouldBe(HttpStatusCode.Created);
            var now = app.Clock.GetUtcNow();
            var bad = new ActivityRecorded($"bad_{round}", $"act_bad_{round}", ActivityType.Login, now, now, null, null, null,
                new Dictionary<string, string> { ["note"] = "a\0b" }, null);
            refusals.Add(await Should.ThrowAsync<Exception>(() => writer.WriteAsync(CustomerEventWrite.Of(a.Id, bad))));

            var response = await b.Ingest.PostAsync($"/v1/customers/good_{round}/activities", Json("""{"type":"login"}"""));
            response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
            (await a.Ingest.GetAsync($"/v1/customers/good_{round}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        refusals.ShouldAllBe(e => e is UnstorableTextException, "refused before it was sent");
        foreach (var tenant in new[] { a, b })
            (await tenant.Ingest.GetStringAsync("/v1/customers?limit=100")).Split("\"id\":\"good_").Length.ShouldBe(6, "every good activity is stored");
        (await a.Ingest.GetAsync("/v1/customers/bad_0")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Raw_SQL_with_unstorable_text_is_refused_before_it_is_sent_and_the_connection_stays_usable()
    {
        await using var connection = await Sql.OpenPlatformAsync(app.Services.GetRequiredService<PlatformDatabase>(), CancellationToken.None);
        const string sql = "select @v::text, length(@v::text)";

        foreach (var unstorable in new[] { "a\0b", "a\ud800b", "\udc00" })
            Should.Throw<UnstorableTextException>(() => Sql.Command(connection, sql, ("v", unstorable)));
        Should.Throw<UnstorableTextException>(() => Sql.Command(connection, sql, ("v", new[] { "ok", "a\0" })));

        // Run three times: the statement is auto-prepared on its second use, and answers the same on its third.
        for (var i = 0; i < 3; i++)
        {
            await using var command = Sql.Command(connection, sql, ("v", "héllo 😀"));
            await using var reader = await command.ExecuteReaderAsync();
            (await reader.ReadAsync()).ShouldBeTrue();
            reader.GetString(0).ShouldBe("héllo 😀");
            reader.GetInt32(1).ShouldBe(7);
        }
    }

    [Fact]
    public async Task Bad_and_good_requests_of_two_tenants_interleaved_on_one_connection_each_get_their_own_answer()
    {
        var a = await app.CreateTenantAsync(name: "a");
        var b = await app.CreateTenantAsync(name: "b");
        var requests = new List<Task<(bool Good, HttpResponseMessage Response)>>();
        for (var i = 0; i < 20; i++)
        {
            var (bad, good) = i % 2 == 0 ? (a, b) : (b, a);
            requests.Add(Send(false, bad.Ingest.PostAsync($"/v1/customers/c{i}/activities", Json("""{"type":"custom","name":"x\u0000"}"""))));
            requests.Add(Send(false, bad.Ingest.GetAsync($"/v1/customers?startingAfter=c%00{i}")));
            requests.Add(Send(false, bad.Ingest.PutAsync($"/v1/customers/c{i}", Json("""{"attributes":{"k\u0000":"v"}}"""))));
            requests.Add(Send(true, good.Ingest.PostAsync($"/v1/customers/c{i}/activities", Json("""{"type":"purchase","amount":100,"currency":"eur"}"""))));
            requests.Add(Send(true, good.Ingest.GetAsync("/v1/customers?limit=5")));
        }

        foreach (var (good, response) in await Task.WhenAll(requests))
            response.StatusCode.ShouldBeOneOf(good ? [HttpStatusCode.OK, HttpStatusCode.Created] : [HttpStatusCode.BadRequest]);
    }

    private static async Task<(bool, HttpResponseMessage)> Send(bool good, Task<HttpResponseMessage> response) => (good, await response);
}
