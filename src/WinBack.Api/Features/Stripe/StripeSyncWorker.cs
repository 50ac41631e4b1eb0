using System.Text.Json;
using Marten;
using Marten.Storage;
using Stripe;
using Microsoft.Extensions.Options;
using WinBack.Api.Features.Customers;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Http;
using WinBack.Api.Infrastructure.Marten;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Api.Infrastructure.Sharding;
using WinBack.Domain.Common;
using WinBack.Domain.Customers;
using static WinBack.Api.Features.Stripe.StripeTables;

namespace WinBack.Api.Features.Stripe;

/// <summary>
/// Sends the Stripe outbox (worker role). Each call carries the row's Idempotency-Key; 5xx, 429 and timeouts are retried
/// on <see cref="RetrySchedule.Stripe"/>, other refusals fail at once with Stripe's message. On success the Stripe object is
/// recorded on the customer stream (<see cref="RewardSyncedToStripe"/>, once per action) and then the row is closed, so a
/// crash anywhere means one more call that Stripe answers from its idempotency cache: the credit lands exactly once.
/// Each row is a unit of its own: anything else that goes wrong with one (a request that cannot be read, a key that cannot
/// be decrypted, a ledger that refuses) is retried on the same schedule and given up after N such failures, with its reason
/// in the failures listing; it never stops the rows behind it. The outbox and the inbound retry each have their own try/catch.
/// Two workers: one leads the sender on each shard at a time (<see cref="LeaderLoop"/>), so two never race on a row. Half-done work: see
/// above (one more idempotent call). Take-over: see <see cref="LeaderLoop"/>.
/// </summary>
public sealed class StripeSyncWorker(IDocumentStore store, StripeClients clients, StripeSecrets secrets, CustomerEventWriter writer,
    StripeInbound inbound, BackgroundHealth health, TimeProvider wall, IOptions<WinBackOptions> options, LoopLeases leases, ILogger<StripeSyncWorker> logger)
    : LeaderLoop(leases, logger)
{
    public const string Loop = "stripe_sync";
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    // Read as stored; a row whose action or request cannot be read fails alone, when it is sent.
    private sealed record Due(long N, string TenantId, string RewardId, string CustomerId, string StripeCustomerId, string ActionName,
        string IdempotencyKey, string RequestJson, int Attempts, string? CreditStatus)
    {
        public StripeSyncAction Action => Enum.Parse<StripeSyncAction>(ActionName, ignoreCase: true);
        public StripeSyncRequest Request => JsonSerializer.Deserialize<StripeSyncRequest>(RequestJson, WinBackJson.Options)!;
    }

    protected override string LoopName => "stripe-sync";

    protected override async Task RunAsLeaderAsync(ShardRef shard, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await StepAsync("send the Stripe outbox", () => SendDueAsync(shard.Database, stoppingToken));
            await StepAsync("retry unmatched Stripe events", () => inbound.RetryUnmatchedAsync(shard.Database, stoppingToken));
            try { await Task.Delay(Poll, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }

    private async Task SendDueAsync(IMartenDatabase shard, CancellationToken ct)
    {
        // One read and decryption of each tenant's key per batch, not per row.
        var tenantClients = new Dictionary<string, IStripeClient?>();
        foreach (var due in await DueAsync(shard, ct))
        {
            try
            {
                await SyncAsync(due, await ClientAsync(due.TenantId, tenantClients, ct), ct);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                await FailedAsync(due, e, ct);
            }
        }
    }

    // Not Stripe's answer but something about this row: retried on the schedule, given up after N failures, never blocking others.
    private async Task FailedAsync(Due due, Exception e, CancellationToken ct)
    {
        try
        {
            var reason = $"WinBack could not send it: {BackgroundHealth.ReasonOf(e)}";
            var next = RetrySchedule.Stripe.Next(due.Attempts + 1, wall.GetUtcNow(), Random.Shared.NextDouble());
            if (next is null || due.Attempts + 1 >= options.Value.Background.ParkAfterFailures)
            {
                await health.ParkAsync(Loop, due.TenantId, due.N.ToString(), reason, ct);
                await CloseAsync(due, "failed", null, reason, ct);
            }
            else
            {
                await health.FailedAsync(Loop, due.TenantId, due.N.ToString(), e, ct);
                await RecordFailureAsync(due, next.Value, reason, ct);
            }
        }
        catch (Exception recording) when (!ct.IsCancellationRequested)
        {
            logger.LogError(recording, "Could not record the failure of Stripe push {N} of tenant {TenantId}", due.N, due.TenantId);
        }
    }

    private const int DueBatch = 50;

    // The shard's due rows. A reversal waits until its credit is settled: sent, or failed for good.
    private async Task<IReadOnlyList<Due>> DueAsync(IMartenDatabase shard, CancellationToken ct)
    {
        var due = new List<Due>();
        await using var connection = await Sql.OpenDatabaseAsync(shard, ct);
        await using var command = Sql.Command(connection, $"""
            select s.n, s.tenant_id, s.reward_id, s.customer_id, s.stripe_customer_id, s.action, s.idempotency_key, s.request::text as request, s.attempts,
              (select c.status from {Sync} c where c.tenant_id = s.tenant_id and c.reward_id = s.reward_id and c.action = 'credit') as credit_status
            from {Sync} s
            where s.status = 'pending' and s.next_attempt_at <= @now and {Infrastructure.Sharding.TenantFence.NotFenced("s")}
              and not (s.action = 'reversal' and exists (select 1 from {Sync} c
                where c.tenant_id = s.tenant_id and c.reward_id = s.reward_id and c.action = 'credit' and c.status = 'pending'))
            order by s.next_attempt_at, s.n limit @limit
            """, ("now", wall.GetUtcNow()), ("limit", DueBatch));
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            due.Add(new Due(reader.Get<long>("n"), reader.Get<string>("tenant_id"), reader.Get<string>("reward_id"), reader.Get<string>("customer_id"),
                reader.Get<string>("stripe_customer_id"), reader.Get<string>("action"), reader.Get<string>("idempotency_key"), reader.Get<string>("request"),
                reader.Get<int>("attempts"), reader.StringOrNull("credit_status")));
        return due;
    }

    /// <summary>The tenant's Stripe client, or null when it is not connected.</summary>
    private async Task<IStripeClient?> ClientAsync(string tenantId, Dictionary<string, IStripeClient?> known, CancellationToken ct)
    {
        if (known.TryGetValue(tenantId, out var client))
            return client;
        await using var session = store.QuerySession(tenantId);
        var connection = await session.LoadAsync<StripeConnection>(StripeConnection.TheId, ct);
        return known[tenantId] = connection is null ? null : clients.For(secrets.Unprotect(connection.EncryptedSecretKey));
    }

    private async Task SyncAsync(Due due, IStripeClient? client, CancellationToken ct)
    {
        if (due.Action == StripeSyncAction.Reversal && due.CreditStatus != "succeeded")
        {
            await CloseAsync(due, "failed", null, "The credit never reached Stripe; there is nothing to reverse.", ct);
            return;
        }
        if (client is null)
        {
            await GiveUpAsync(due, "Stripe is not connected for this tenant.", ct);
            return;
        }
        try
        {
            var (objectId, code) = await CallAsync(client, due, ct);
            var synced = new RewardSyncedToStripe(due.CustomerId, due.RewardId, due.Action, objectId, code, wall.GetUtcNow());
            await writer.WriteAsync(new CustomerEventWrite(due.TenantId, due.CustomerId, current => LedgerDecider.RecordStripeSync(current!, synced)));
            await CloseAsync(due, "succeeded", objectId, null, ct);
            if (due.Attempts > 0)
                await health.ClearAsync(Loop, due.TenantId, [due.N.ToString()], ct);
        }
        catch (Exception e) when (Transient(e, ct))
        {
            var next = RetrySchedule.Stripe.Next(due.Attempts + 1, wall.GetUtcNow(), Random.Shared.NextDouble());
            if (next is null)
                await GiveUpAsync(due, Describe(e), ct);
            else
                await RecordFailureAsync(due, next.Value, Describe(e), ct);
        }
        catch (StripeException e)
        {
            await GiveUpAsync(due, Describe(e), ct);
        }
    }

    private async Task<(string ObjectId, string? PromotionCode)> CallAsync(IStripeClient client, Due due, CancellationToken ct)
    {
        var r = due.Request;
        if (due.Action is StripeSyncAction.Pause or StripeSyncAction.TrialExtension)
            return (await UpdateSubscriptionAsync(client, due, r, ct), null);
        if (due.Action != StripeSyncAction.Discount)
        {
            var transaction = await new CustomerBalanceTransactionService(client).CreateAsync(due.StripeCustomerId,
                new CustomerBalanceTransactionCreateOptions { Amount = r.Amount, Currency = r.Currency, Description = r.Description, Metadata = r.Metadata },
                new RequestOptions { IdempotencyKey = due.IdempotencyKey }, ct);
            return (transaction.Id, null);
        }
        // One use: the next invoice; several: a coupon that repeats, capped by the promotion code's redemptions.
        var coupon = await new CouponService(client).CreateAsync(new CouponCreateOptions
        {
            PercentOff = r.PercentOff, Duration = r.Uses > 1 ? "repeating" : "once", DurationInMonths = r.Uses > 1 ? r.Uses : null,
            Name = r.Description, Metadata = r.Metadata,
        }, new RequestOptions { IdempotencyKey = due.IdempotencyKey + "_coupon" }, ct);
        var promotion = await new PromotionCodeService(client).CreateAsync(new PromotionCodeCreateOptions
        {
            Promotion = new PromotionCodePromotionOptions { Type = "coupon", Coupon = coupon.Id }, Customer = due.StripeCustomerId,
            ExpiresAt = DateTimeOffset.FromUnixTimeSeconds(r.ExpiresAt!.Value).UtcDateTime, MaxRedemptions = r.Uses, Metadata = r.Metadata,
        }, new RequestOptions { IdempotencyKey = due.IdempotencyKey + "_promotion_code" }, ct);
        return (promotion.Id, promotion.Code);
    }

    // A trial's new end depends on the current one: read once and stored in the row before the update is first sent, so that a
    // retry (after a crash or a timeout) sends the same parameters under the same key, and Stripe replays instead of extending twice.
    private async Task<string> UpdateSubscriptionAsync(IStripeClient client, Due due, StripeSyncRequest r, CancellationToken ct)
    {
        var subscriptions = new SubscriptionService(client);
        var options = new SubscriptionUpdateOptions { Metadata = r.Metadata };
        if (due.Action == StripeSyncAction.Pause)
            options.PauseCollection = new SubscriptionPauseCollectionOptions
            {
                Behavior = SaveOfferDecider.PauseBehavior, ResumesAt = DateTimeOffset.FromUnixTimeSeconds(r.ResumesAt!.Value).UtcDateTime,
            };
        else
        {
            if (r.TrialEnd is null)
            {
                var current = await subscriptions.GetAsync(r.SubscriptionId, cancellationToken: ct);
                r = r with { TrialEnd = r.NewTrialEnd(current.TrialEnd) };
                await FixRequestAsync(due, r, ct);
            }
            options.TrialEnd = DateTimeOffset.FromUnixTimeSeconds(r.TrialEnd!.Value).UtcDateTime;
            options.ProrationBehavior = "none";
        }
        var updated = await subscriptions.UpdateAsync(r.SubscriptionId, options, new RequestOptions { IdempotencyKey = due.IdempotencyKey }, ct);
        return updated.Id;
    }

    private async Task FixRequestAsync(Due due, StripeSyncRequest request, CancellationToken ct)
    {
        await using var connection = await Sql.OpenForTenantAsync(store, due.TenantId, ct);
        await using var command = Sql.Command(connection, $"update {Sync} set request = @request::jsonb where n = @n",
            ("n", due.N), ("request", JsonSerializer.Serialize(request, WinBackJson.Options)));
        await command.ExecuteNonQueryAsync(ct);
    }

    private static bool Transient(Exception e, CancellationToken ct) => e switch
    {
        StripeException s => (int)s.HttpStatusCode >= 500 || (int)s.HttpStatusCode == 429 || s.HttpStatusCode == 0,
        HttpRequestException => true,
        TaskCanceledException or OperationCanceledException => !ct.IsCancellationRequested,
        _ => false,
    };

    private static string Describe(Exception e) => e switch
    {
        StripeException s when (int)s.HttpStatusCode > 0 => $"Stripe answered {(int)s.HttpStatusCode}: {s.StripeError?.Message ?? s.Message}",
        TaskCanceledException or OperationCanceledException => "Stripe did not answer in time.",
        _ => $"Stripe could not be reached: {e.Message}",
    };

    private async Task RecordFailureAsync(Due due, DateTimeOffset next, string error, CancellationToken ct)
    {
        await using var connection = await Sql.OpenForTenantAsync(store, due.TenantId, ct);
        await using var command = Sql.Command(connection,
            $"update {Sync} set attempts = attempts + 1, last_error = @error, next_attempt_at = @next where n = @n",
            ("n", due.N), ("error", error), ("next", next));
        await command.ExecuteNonQueryAsync(ct);
    }

    // Recorded on the customer stream too (once), which also lets a discount's reward.issued go out without a code. A stream
    // that refuses the record does not keep the row open.
    private async Task GiveUpAsync(Due due, string error, CancellationToken ct)
    {
        var failed = new RewardStripeSyncFailed(due.CustomerId, due.RewardId, due.Action, error, wall.GetUtcNow());
        try
        {
            await writer.WriteAsync(new CustomerEventWrite(due.TenantId, due.CustomerId, current => LedgerDecider.RecordStripeSyncFailure(current!, failed)));
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            logger.LogError(e, "Could not record on customer {CustomerId} of tenant {TenantId} that Stripe push {N} was given up", due.CustomerId,
                due.TenantId, due.N);
        }
        await CloseAsync(due, "failed", null, error, ct);
    }

    private async Task CloseAsync(Due due, string status, string? objectId, string? error, CancellationToken ct)
    {
        await using var connection = await Sql.OpenForTenantAsync(store, due.TenantId, ct);
        await using var command = Sql.Command(connection, $"""
            update {Sync} set status = @status, attempts = attempts + 1, stripe_object_id = @object, last_error = @error where n = @n
            """, ("n", due.N), ("status", status), ("object", objectId), ("error", error));
        await command.ExecuteNonQueryAsync(ct);
    }
}
