using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using WinBack.Api.Infrastructure.Idempotency;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Infrastructure.Idempotency;

public sealed class IdempotencyTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    [Fact]
    public async Task The_same_key_and_body_replays_the_first_response_without_a_second_effect()
    {
        var tenant = await app.CreateTenantAsync();
        var key = Guid.NewGuid().ToString();

        var first = await tenant.Admin.SendAsync(CreateKey(key, "ingest", "checkout"));
        var second = await tenant.Admin.SendAsync(CreateKey(key, "ingest", "checkout"));

        first.StatusCode.ShouldBe(HttpStatusCode.Created);
        second.StatusCode.ShouldBe(HttpStatusCode.Created);
        (await second.Content.ReadAsStringAsync()).ShouldBe(await first.Content.ReadAsStringAsync());
        second.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
        first.Headers.Contains("Idempotent-Replayed").ShouldBeFalse();
        (await CountKeysAsync(tenant, "checkout")).ShouldBe(1);
    }

    [Fact]
    public async Task The_same_key_with_another_body_gets_422_idempotency_key_reused()
    {
        var tenant = await app.CreateTenantAsync();
        var key = Guid.NewGuid().ToString();
        (await tenant.Admin.SendAsync(CreateKey(key, "ingest", "one"))).StatusCode.ShouldBe(HttpStatusCode.Created);

        var reused = await tenant.Admin.SendAsync(CreateKey(key, "admin", "two"));

        await reused.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
        (await CountKeysAsync(tenant, "two")).ShouldBe(0);
    }

    [Fact]
    public async Task Twenty_concurrent_duplicates_have_exactly_one_effect()
    {
        var tenant = await app.CreateTenantAsync();
        var key = Guid.NewGuid().ToString();

        var responses = await Task.WhenAll(Enumerable.Range(0, 20)
            .Select(_ => tenant.Admin.SendAsync(CreateKey(key, "ingest", "concurrent"))));

        var created = responses.Where(r => r.StatusCode == HttpStatusCode.Created).ToList();
        var inFlight = responses.Where(r => r.StatusCode == HttpStatusCode.Conflict).ToList();
        (created.Count + inFlight.Count).ShouldBe(20, "every duplicate is either the first answer or 409 in flight");
        created.Count.ShouldBeGreaterThanOrEqualTo(1);
        var ids = await Task.WhenAll(created.Select(async r => JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()));
        ids.Distinct().Count().ShouldBe(1, "replays return the same object");
        foreach (var conflict in inFlight)
            await conflict.ShouldBeProblemAsync(HttpStatusCode.Conflict, "idempotency_key_in_use");
        (await CountKeysAsync(tenant, "concurrent")).ShouldBe(1);
    }

    [Fact]
    public async Task Keys_are_scoped_per_tenant()
    {
        var first = await app.CreateTenantAsync(name: "first");
        var second = await app.CreateTenantAsync(name: "second");
        var key = Guid.NewGuid().ToString();

        (await first.Admin.SendAsync(CreateKey(key, "ingest", "shared-key"))).StatusCode.ShouldBe(HttpStatusCode.Created);
        var other = await second.Admin.SendAsync(CreateKey(key, "ingest", "shared-key"));

        other.StatusCode.ShouldBe(HttpStatusCode.Created);
        other.Headers.Contains("Idempotent-Replayed").ShouldBeFalse();
        (await CountKeysAsync(second, "shared-key")).ShouldBe(1);
    }

    [Fact]
    public async Task A_failed_validation_is_replayed_too_and_an_overlong_key_is_rejected()
    {
        var tenant = await app.CreateTenantAsync();
        var key = Guid.NewGuid().ToString();

        var first = await tenant.Admin.SendAsync(CreateKey(key, null, "bad"));
        var second = await tenant.Admin.SendAsync(CreateKey(key, null, "bad"));
        await first.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await second.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        second.Headers.Contains("Idempotent-Replayed").ShouldBeTrue();

        var tooLong = await tenant.Admin.SendAsync(CreateKey(new string('k', 256), "ingest", "long"));
        await tooLong.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "invalid_idempotency_key");
    }

    internal static HttpRequestMessage CreateKey(string idempotencyKey, string? scope, string description) =>
        new(HttpMethod.Post, "/v1/api-keys")
        {
            Content = JsonContent.Create(new { scope, description }),
            Headers = { { "Idempotency-Key", idempotencyKey } },
        };

    private static async Task<int> CountKeysAsync(TestTenant tenant, string description)
    {
        var page = await tenant.Admin.GetFromJsonAsync<JsonElement>("/v1/api-keys?limit=100");
        return page.GetProperty("data").EnumerateArray().Count(k => k.GetProperty("description").GetString() == description);
    }
}

public sealed class IdempotencyRetentionTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    [Fact]
    public async Task A_key_is_remembered_for_a_day_and_forgotten_after_the_retention()
    {
        var tenant = await app.CreateTenantAsync();
        var key = Guid.NewGuid().ToString();
        (await tenant.Admin.SendAsync(Create(key, "first"))).StatusCode.ShouldBe(HttpStatusCode.Created);
        var purge = app.Services.GetServices<IHostedService>().OfType<IdempotencyKeyPurge>().Single();

        app.Clock.Advance(TimeSpan.FromHours(25));
        await purge.PurgeAsync(CancellationToken.None);
        await (await tenant.Admin.SendAsync(Create(key, "second")))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");

        app.Clock.Advance(TimeSpan.FromHours(24));
        await purge.PurgeAsync(CancellationToken.None);
        (await tenant.Admin.SendAsync(Create(key, "second"))).StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    private static HttpRequestMessage Create(string idempotencyKey, string description) =>
        IdempotencyTests.CreateKey(idempotencyKey, "ingest", description);
}
