using WinBack.Api.Infrastructure.Sharding;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using WinBack.Api.Infrastructure.Idempotency;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Api.Tests.Infrastructure.Postgres;

/// <summary>The one lock mechanism: a run waits for the holder of its key; a lease is tried and refused; and Marten's names come from Marten.</summary>
public sealed class AdvisoryLocksTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    [Fact]
    public async Task A_run_waits_for_the_holder_of_its_key_and_a_lease_on_that_key_is_refused_meanwhile()
    {
        var platform = app.Services.GetRequiredService<PlatformDatabase>();
        var key = LockKeys.Sweep($"ten_{Guid.NewGuid():N}");

        var holder = await SessionLock.AcquireAsync(platform.CreateConnection, key, CancellationToken.None);
        var waiting = SessionLock.AcquireAsync(platform.CreateConnection, key, CancellationToken.None);
        (await SessionLock.TryAcquireAsync(platform.CreateConnection, key, CancellationToken.None)).ShouldBeNull("the key is held");
        waiting.IsCompleted.ShouldBeFalse("the second run waits while the first holds the key");

        await holder.DisposeAsync();
        await using var next = await waiting;
        (await next.StillHeldAsync()).ShouldBeTrue();
        await using var other = await SessionLock.TryAcquireAsync(platform.CreateConnection, LockKeys.Sweep("another tenant"), CancellationToken.None);
        other.ShouldNotBeNull("keys of other tenants do not wait on each other");
    }

    [Fact]
    public void Marten_table_names_are_read_from_marten()
    {
        var store = app.Services.GetRequiredService<IDocumentStore>();
        var schema = store.Options.Events.DatabaseSchemaName;

        Sql.EventsTable(store).ShouldBe($"{schema}.mt_events");
        Sql.EventProgressionTable(store).ShouldBe($"{schema}.mt_event_progression");
        Sql.TableOf<WinBack.Api.Features.Customers.CustomerHistory>(store).ShouldBe($"{store.Options.DatabaseSchemaName}.mt_doc_customerhistory");
    }
}
