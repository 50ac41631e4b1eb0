using WinBack.Domain.Common;
using WinBack.Domain.Rules;

namespace WinBack.Domain.Customers;

/// <summary>
/// What WinBack knows about one customer, folded from the customer stream. Activities may arrive out of
/// order, so "last" fields keep the latest occurrence, and status follows the latest status-changing one.
/// </summary>
public sealed record Customer
{
    public required string Id { get; init; }
    public CustomerStatus Status { get; init; } = CustomerStatus.Active;
    public DateTimeOffset? StatusChangedAt { get; init; }
    public DateTimeOffset FirstSeenAt { get; init; }
    public DateTimeOffset LastActivityAt { get; init; }
    public DateTimeOffset? LastPurchaseAt { get; init; }
    /// <summary>The earliest purchase known; an import's customer-since date counts as one when it brings orders.</summary>
    public DateTimeOffset? FirstPurchaseAt { get; init; }
    /// <summary>Latest occurrence per activity type, for rules that count only some types.</summary>
    public IReadOnlyDictionary<ActivityType, DateTimeOffset> LastActivityByType { get; init; } = new Dictionary<ActivityType, DateTimeOffset>();
    /// <summary>Purchases recorded through WinBack.</summary>
    public int RecordedOrderCount { get; init; }
    /// <summary>The latest <see cref="RecentPurchaseLimit"/> purchase times recorded, oldest first: bounded, so the hot state stays small.</summary>
    public IReadOnlyList<DateTimeOffset> RecentPurchases { get; init; } = [];
    public const int RecentPurchaseLimit = 32;
    /// <summary>Purchases minus refunds recorded through WinBack, in minor units per currency.</summary>
    public IReadOnlyDictionary<string, long> RecordedLifetimeValue { get; init; } = new Dictionary<string, long>();
    /// <summary>The history brought over by the latest import of this customer; a re-import replaces it.</summary>
    public ImportedHistory? Imported { get; init; }

    public int OrderCount => RecordedOrderCount + (Imported?.OrderCount ?? 0);

    /// <summary>Imported plus recorded value, per currency.</summary>
    public IReadOnlyDictionary<string, long> LifetimeValue =>
        Imported is { LifetimeValue: var imported } ? AddValue(RecordedLifetimeValue, imported, +1) : RecordedLifetimeValue;
    public ChurnReason? ChurnReason { get; init; }
    public string? Email { get; init; }
    public string? StripeCustomerId { get; init; }
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>();
    /// <summary>The profile's birthday, MM-DD or YYYY-MM-DD (<see cref="Customers.Birthday"/>); birthday rules read it.</summary>
    public string? Birthday { get; init; }
    /// <summary>The moments already reached, as "ruleId/key" (<see cref="MomentReached"/>): each fires once.</summary>
    public IReadOnlyList<string> Moments { get; init; } = [];
    /// <summary>The latest <see cref="RecentPurchaseLimit"/> purchases that raised a currency's lifetime value to a new high, oldest first.</summary>
    public IReadOnlyList<ValueStep> ValueSteps { get; init; } = [];
    /// <summary>Activity counts per local day for signal rules (<see cref="Customers.ActivityCounts"/>): bounded in days and kinds.</summary>
    public ActivityCounts ActivityCounts { get; init; } = ActivityCounts.None;
    /// <summary>Each signal rule's latest episode (<see cref="SignalEpisode"/>), by rule id: one entry per signal rule that fired.</summary>
    public IReadOnlyDictionary<string, SignalEpisode> Signals { get; init; } = new Dictionary<string, SignalEpisode>();
    /// <summary>The latest <see cref="RecentPurchaseLimit"/> payment failures, oldest first: payment_failed rules fire at each.</summary>
    public IReadOnlyList<PaymentFailure> PaymentFailures { get; init; } = [];
    /// <summary>When the customer last got a win-back reward from any rule; the rules' cooldown counts from here.</summary>
    public DateTimeOffset? LastRewardedAt { get; init; }
    /// <summary>Win-back rewards received, per rule id; a rule's maxRewardsPerCustomer caps this.</summary>
    public IReadOnlyDictionary<string, int> RewardsByRule { get; init; } = new Dictionary<string, int>();
    /// <summary>The lapse episode the customer is in, if any; at most one is open.</summary>
    public OpenEpisode? Episode { get; init; }
    /// <summary>Every reward ever issued to the customer, oldest first.</summary>
    public IReadOnlyList<RewardState> Rewards { get; init; } = [];
    /// <summary>Every lapse episode the customer has had, oldest first, with what reports measure about it.</summary>
    public IReadOnlyList<EpisodeFacts> Episodes { get; init; } = [];
    /// <summary>The latest save offers, oldest first; at most <see cref="SaveOfferLimit"/>, dropping the oldest answered ones first.</summary>
    public IReadOnlyList<SaveOfferState> SaveOffers { get; init; } = [];
    public const int SaveOfferLimit = 20;
    /// <summary>Where the cap between accepted saves counts from: the latest accepted save's pause end, trial end, or accept.</summary>
    public DateTimeOffset? SaveCapFrom { get; init; }
    /// <summary>
    /// The latest end of a returned episode's attribution window, kept with the hot state so that an activity can tell,
    /// without reading the history, whether it changes an episode.
    /// </summary>
    public DateTimeOffset? AttributionEndsAt { get; init; }

    /// <summary>
    /// Whether folding <paramref name="e"/> reads or changes the customer's history (<see cref="Rewards"/>, <see cref="Episodes"/>),
    /// which grows with every lapse and reward. Most activities need only the hot state, so a write of one never reads the history.
    /// </summary>
    public static bool TouchesHistory(Customer? state, object e) => e switch
    {
        ActivityRecorded a when ActivityRecorded.IsRevenue(a.Type) => state?.AttributionEndsAt >= a.OccurredAt,
        ActivityRecorded or ProfileUpdated or CustomerImported => false,
        _ => true,
    };

    /// <summary>The hot state alone, to store apart from the history; <see cref="AttributionEndsAt"/> is taken from the history when it is here.</summary>
    public Customer WithoutHistory() => Rewards.Count == 0 && Episodes.Count == 0 ? this : this with
    {
        Rewards = [],
        Episodes = [],
        AttributionEndsAt = Episodes.Count == 0 ? AttributionEndsAt
            : Episodes.Max(x => x.AttributionEndsAt),
    };

    /// <summary>The hot state with its history.</summary>
    public Customer WithHistory(IReadOnlyList<RewardState> rewards, IReadOnlyList<EpisodeFacts> episodes) =>
        this with { Rewards = rewards, Episodes = episodes };

    /// <summary>
    /// Unused credit per currency of every credit that is not pending (used-up, expired and revoked ones count 0).
    /// Never negative: redemptions are checked against it.
    /// </summary>
    public IReadOnlyDictionary<string, long> Balance => Rewards
        .Where(r => r.IsCredit && r.Status != RewardStatus.Pending && r.Issued.Currency is not null)
        .GroupBy(r => r.Issued.Currency!)
        .ToDictionary(g => g.Key, g => Money.Sum(g.Select(r => r.InBalance)));

    public RewardState? Reward(string rewardId) => Rewards.FirstOrDefault(r => r.Id == rewardId);

    /// <summary>The fold with days counted in UTC (<see cref="Evolve(Customer?, object, TimeZoneInfo)"/> with the tenant's zone counts them there).</summary>
    public static Customer Evolve(Customer? state, object @event) => Evolve(state, @event, TimeZoneInfo.Utc);

    /// <summary>The fold; <paramref name="zone"/> is the tenant's time zone, whose local days an activity counts on (<see cref="ActivityCounts"/>).</summary>
    public static Customer Evolve(Customer? state, object @event, TimeZoneInfo zone) => @event switch
    {
        ActivityRecorded e => Apply(state ?? FirstSeen(e.CustomerId, e.OccurredAt), e, zone),
        ProfileUpdated e => (state ?? FirstSeen(e.CustomerId, e.UpdatedAt)) with
        {
            Email = e.Email, StripeCustomerId = e.StripeCustomerId, Attributes = e.Attributes, Birthday = e.Birthday,
        },
        // A signal's episode is kept per rule (one entry, replaced); a moment's key is kept so that it fires once.
        MomentReached e when Rules.Signals.IsSignal(e.Trigger) => Existing(state, e) with
        {
            Signals = With(Existing(state, e).Signals, e.RuleId, new SignalEpisode(e.ReachedAt, e.DetectedAt)),
            Episodes = [.. Existing(state, e).Episodes, EpisodeFacts.Of(e)],
        },
        MomentReached e => Existing(state, e) with
        {
            Moments = [.. Existing(state, e).Moments, MomentReached.Mark(e.RuleId, e.Key)],
            Episodes = [.. Existing(state, e).Episodes, EpisodeFacts.Of(e)],
        },
        SignalRearmed e => Existing(state, e) with
        {
            Signals = Existing(state, e).Signals.GetValueOrDefault(e.RuleId) is { } episode
                ? With(Existing(state, e).Signals, e.RuleId, episode with { RearmedAt = e.RearmedAt }) : Existing(state, e).Signals,
        },
        CustomerImported e => Apply(state ?? FirstSeen(e.CustomerId, e.FirstSeenAt), e),
        CustomerLapsed e => Existing(state, e) with
        {
            Status = CustomerStatus.Lapsed, StatusChangedAt = e.LapsedAt,
            Episode = new OpenEpisode(e.EpisodeId, e.RuleId, e.RuleVersion, e.Variant, e.LapsedAt, e.ReturnTypes),
            // A new episode is a relapse for the ones before it.
            Episodes = [.. Existing(state, e).Episodes.Select(x => x.RelapsedAt is null && !x.IsMoment ? x with { RelapsedAt = e.LapsedAt } : x), EpisodeFacts.Of(e)],
        },
        CustomerReactivated e => WithEpisode(Apply(Existing(state, e), e), e.EpisodeId, x => x.Returned(e)),
        RewardIssued e => WithEpisode(Apply(Existing(state, e), e), e.EpisodeId, x => x with { RewardId = e.RewardId }),
        RewardWithheld e => WithEpisode(Existing(state, e), e.EpisodeId, x => x with { Withheld = e.Reason }),
        RewardRedeemed e => WithReward(Existing(state, e), e.RewardId, r => r.Apply(e)),
        RewardRedemptionReversed e => WithReward(Existing(state, e), e.RewardId, r => r.Apply(e)),
        RewardExpired e => WithReward(Existing(state, e), e.RewardId,
            r => r with { Status = RewardStatus.Expired, Remaining = 0, Expired = Money.Sum(r.Expired, e.UnusedAmount ?? 0) }),
        RewardExpiryApproached e => WithReward(Existing(state, e), e.RewardId, r => r with { ExpiryNoticed = true }),
        RewardSyncedToStripe e => WithReward(Existing(state, e), e.RewardId, r => r with { StripeSyncs = [..r.StripeSyncs ?? [], e] }),
        RewardStripeSyncFailed e => WithReward(Existing(state, e), e.RewardId, r => r with { StripeSyncsFailed = [..r.StripeSyncsFailed ?? [], e.Action] }),
        RewardRevoked e => WithReward(Existing(state, e), e.RewardId,
            r => r with { Status = RewardStatus.Revoked, Remaining = 0, Revoked = Money.Sum(r.Revoked, e.UnusedAmount ?? 0) }),
        SaveOfferPresented e => Existing(state, e) with
        {
            SaveOffers = Trimmed([.. Existing(state, e).SaveOffers, SaveOfferState.Of(e, Existing(state, e).RecordedLifetimeValue)]),
        },
        SaveOfferAccepted e => WithSaveOffer(Existing(state, e), e.OfferId, o => o with { Status = SaveOfferStatus.Accepted, Accepted = e, AnsweredAt = e.AcceptedAt })
            with { SaveCapFrom = Latest(state!.SaveCapFrom, e.EndsAt ?? e.AcceptedAt) },
        SaveOfferDeclined e => WithSaveOffer(Existing(state, e), e.OfferId, o => o with { Status = SaveOfferStatus.Declined, AnsweredAt = e.DeclinedAt }),
        SaveOfferValidated e => WithSaveOffer(Existing(state, e), e.OfferId, o => o with { Status = SaveOfferStatus.Saved, SettledAt = e.ValidatedAt }),
        SaveOfferLost e => WithSaveOffer(Existing(state, e), e.OfferId, o => o with { Status = SaveOfferStatus.Lost, SettledAt = e.CancelledAt }),
        _ => Existing(state, @event),
    };

    public SaveOfferState? SaveOffer(string offerId) => SaveOffers.FirstOrDefault(o => o.Id == offerId);

    private static Customer WithSaveOffer(Customer state, string offerId, Func<SaveOfferState, SaveOfferState> change) =>
        state with { SaveOffers = state.SaveOffers.Select(o => o.Id == offerId ? change(o) : o).ToList() };

    // Bounded hot state: past the limit the oldest offer that needs nothing more (answered or settled) goes.
    private static IReadOnlyList<SaveOfferState> Trimmed(List<SaveOfferState> offers)
    {
        if (offers.Count > SaveOfferLimit && offers.FindIndex(o => o.Status is not (SaveOfferStatus.Presented or SaveOfferStatus.Accepted
                or SaveOfferStatus.Holdout)) is var done and >= 0)
            offers.RemoveAt(done);
        return offers;
    }

    private static Customer Existing(Customer? state, object @event) =>
        state ?? throw new InvalidOperationException($"A customer stream cannot start with {@event.GetType().Name}.");

    private static Customer Apply(Customer state, CustomerReactivated e) => state with
    {
        Status = CustomerStatus.WonBack, StatusChangedAt = e.ReactivatedAt, Episode = null,
        // An on_return reward unlocks when its episode closes.
        Rewards = state.Rewards.Count == 0 ? state.Rewards : state.Rewards.Select(r => r.Status == RewardStatus.Pending && r.Issued.EpisodeId == e.EpisodeId
            ? r with { Status = RewardStatus.Available } : r).ToList(),
    };

    // An on_return reward is pending while the episode it answers is open.
    private static Customer Apply(Customer state, RewardIssued e) => state with
    {
        Rewards = [.. state.Rewards, RewardState.Of(e, pending: e.Grant == RewardGrant.OnReturn && e.EpisodeId is not null
                                                                && state.Episode?.EpisodeId == e.EpisodeId)],
        LastRewardedAt = e.RuleId is null ? state.LastRewardedAt : e.IssuedAt,
        RewardsByRule = e.RuleId is { } rule ? With(state.RewardsByRule, rule, state.RewardsByRule.GetValueOrDefault(rule) + 1) : state.RewardsByRule,
    };

    // The same state when the episode is not in the history read (a hot state folded alone): the writer then sees the history unchanged.
    private static Customer WithEpisode(Customer state, string? episodeId, Func<EpisodeFacts, EpisodeFacts> change)
    {
        if (episodeId is null)
            return state;
        foreach (var episode in state.Episodes)
            if (episode.EpisodeId == episodeId)
                return state with { Episodes = state.Episodes.Select(x => x.EpisodeId == episodeId ? change(x) : x).ToList() };
        return state;
    }

    private static Customer WithReward(Customer state, string rewardId, Func<RewardState, RewardState> change) =>
        state with { Rewards = state.Rewards.Select(r => r.Id == rewardId ? change(r) : r).ToList() };

    private static Customer FirstSeen(string id, DateTimeOffset at) =>
        new() { Id = id, FirstSeenAt = at, LastActivityAt = at };

    // One copy of the state per activity (it is folded for every one, by the writer and by a backtest's replay).
    private static Customer Apply(Customer state, ActivityRecorded e, TimeZoneInfo zone)
    {
        var purchase = e.Type == ActivityType.Purchase;
        var (status, changedAt, churnReason) = e.Type switch
        {
            ActivityType.Purchase or ActivityType.SubscriptionStarted => StatusAfter(state, CustomerStatus.Active, e.OccurredAt),
            ActivityType.SubscriptionCancelled => StatusAfter(state, CustomerStatus.Cancelled, e.OccurredAt, e.Reason ?? Customers.ChurnReason.Other),
            _ => (state.Status, state.StatusChangedAt, state.ChurnReason),
        };
        return state with
        {
            ActivityCounts = state.ActivityCounts.Add(ActivityKinds.Of(e.Type, e.Name), e.OccurredAt, zone),
            FirstSeenAt = Min(state.FirstSeenAt, e.OccurredAt),
            LastActivityAt = Max(state.LastActivityAt, e.OccurredAt),
            LastActivityByType = ActivityTimes.With(state.LastActivityByType, e.Type,
                state.LastActivityByType.TryGetValue(e.Type, out var last) ? Max(last, e.OccurredAt) : e.OccurredAt),
            Status = status,
            StatusChangedAt = changedAt,
            ChurnReason = churnReason,
            RecordedOrderCount = purchase ? state.RecordedOrderCount + 1 : state.RecordedOrderCount,
            RecentPurchases = purchase ? WithPurchase(state.RecentPurchases, e.OccurredAt) : state.RecentPurchases,
            LastPurchaseAt = purchase ? Latest(state.LastPurchaseAt, e.OccurredAt) : state.LastPurchaseAt,
            FirstPurchaseAt = purchase ? Earliest(state.FirstPurchaseAt, e.OccurredAt) : state.FirstPurchaseAt,
            RecordedLifetimeValue = e.Type switch
            {
                ActivityType.Purchase => AddValue(state.RecordedLifetimeValue, e.Amount, +1),
                ActivityType.Refund => AddValue(state.RecordedLifetimeValue, e.Amount, -1),
                _ => state.RecordedLifetimeValue,
            },
            ValueSteps = purchase ? WithValueStep(state, e) : state.ValueSteps,
            Episodes = ActivityRecorded.IsRevenue(e.Type) ? Attributed(state.Episodes, e) : state.Episodes,
            PaymentFailures = e.Type == ActivityType.PaymentFailed
                ? WithFailure(state.PaymentFailures, new PaymentFailure(e.ActivityId, e.OccurredAt)) : state.PaymentFailures,
        };
    }

    // Revenue after a return counts for every episode whose attribution window holds the activity; the list stays the
    // same one when none does, so that the writer sees the history unchanged.
    private static IReadOnlyList<EpisodeFacts> Attributed(IReadOnlyList<EpisodeFacts> episodes, ActivityRecorded e) =>
        !episodes.Any(x => x.Takes(e)) ? episodes : episodes.Select(x => x.Takes(e) ? x.Record(e) : x).ToList();

    // A purchase that takes a currency's lifetime value above its highest so far; the first step to an amount dates its reaching.
    private static IReadOnlyList<ValueStep> WithValueStep(Customer before, ActivityRecorded e)
    {
        if (e.Amount is not { Amount: > 0 } paid)
            return before.ValueSteps;
        var was = before.LifetimeValue.GetValueOrDefault(paid.Currency);
        ValueStep? last = null;
        var inCurrency = 0;
        foreach (var step in before.ValueSteps)
            if (step.Currency == paid.Currency)
                (last, inCurrency) = (step, inCurrency + 1);
        var high = last is not null ? Math.Max(last.To, was) : was;
        var now = Money.Sum(was, paid.Amount);
        if (now <= high)
            return before.ValueSteps;
        var steps = new List<ValueStep>(before.ValueSteps.Count + 1);
        steps.AddRange(before.ValueSteps);
        steps.Add(new ValueStep(paid.Currency, e.OccurredAt, high, now));
        if (inCurrency + 1 > RecentPurchaseLimit)
            steps.RemoveAt(steps.FindIndex(s => s.Currency == paid.Currency));
        return steps;
    }

    // The imported history replaces the previous import instead of adding to it, so importing a file
    // twice (or a corrected file) never doubles orders or value.
    private static Customer Apply(Customer state, CustomerImported e) => state with
    {
        FirstSeenAt = Min(state.FirstSeenAt, e.FirstSeenAt),
        LastActivityAt = Max(state.LastActivityAt, e.LastActivityAt),
        LastPurchaseAt = e.LastPurchaseAt is { } purchased ? Latest(state.LastPurchaseAt, purchased) : state.LastPurchaseAt,
        FirstPurchaseAt = e.OrderCount > 0 ? Earliest(state.FirstPurchaseAt, e.FirstSeenAt) : state.FirstPurchaseAt,
        Imported = new ImportedHistory(e.ImportId, e.OrderCount, e.LifetimeValue),
        Email = e.Email ?? state.Email,
        StripeCustomerId = e.StripeCustomerId ?? state.StripeCustomerId,
        Attributes = e.Attributes.Count > 0 ? e.Attributes : state.Attributes,
        Birthday = e.Birthday ?? state.Birthday,
    };

    // An older status change that arrives late does not override a newer one.
    private static (CustomerStatus, DateTimeOffset?, ChurnReason?) StatusAfter(Customer state, CustomerStatus status, DateTimeOffset at,
        ChurnReason? reason = null)
    {
        var unchanged = (state.Status, state.StatusChangedAt, state.ChurnReason);
        if (state.StatusChangedAt is { } changed && changed > at)
            return unchanged;
        // The engine owns lapsed (until the episode closes) and won_back (until the customer cancels again).
        if (state.Episode is not null)
            return status == CustomerStatus.Cancelled ? (state.Status, state.StatusChangedAt, reason) : unchanged;
        if (state.Status == CustomerStatus.WonBack && status == CustomerStatus.Active)
            return unchanged;
        return (status, at, status == CustomerStatus.Cancelled ? reason : state.ChurnReason);
    }

    // A late purchase goes in its place; the oldest time drops out once the list is full.
    private static IReadOnlyList<DateTimeOffset> WithPurchase(IReadOnlyList<DateTimeOffset> recent, DateTimeOffset at)
    {
        var list = new List<DateTimeOffset>(recent.Count + 1);
        list.AddRange(recent);
        var index = list.FindLastIndex(t => t <= at) + 1;
        if (index == 0 && list.Count >= RecentPurchaseLimit)
            return recent;
        list.Insert(index, at);
        if (list.Count > RecentPurchaseLimit)
            list.RemoveAt(0);
        return list;
    }

    // As purchases: a late failure goes in its place, and the oldest drops out once the list is full.
    private static IReadOnlyList<PaymentFailure> WithFailure(IReadOnlyList<PaymentFailure> recent, PaymentFailure failure)
    {
        var list = new List<PaymentFailure>(recent);
        var index = list.FindLastIndex(f => f.At <= failure.At) + 1;
        if (index == 0 && list.Count >= RecentPurchaseLimit)
            return recent;
        list.Insert(index, failure);
        if (list.Count > RecentPurchaseLimit)
            list.RemoveAt(0);
        return list;
    }

    private static IReadOnlyDictionary<string, long> AddValue(IReadOnlyDictionary<string, long> totals, Money? amount, int sign)
    {
        if (amount is not { } money)
            return totals;
        var current = totals.GetValueOrDefault(money.Currency);
        return With(totals, money.Currency, Money.Sum(current, sign < 0 ? Money.Negate(money.Amount) : money.Amount));
    }

    private static IReadOnlyDictionary<TKey, TValue> With<TKey, TValue>(IReadOnlyDictionary<TKey, TValue> source, TKey key, TValue value)
        where TKey : notnull =>
        new Dictionary<TKey, TValue>(source) { [key] = value };

    private static DateTimeOffset Latest(DateTimeOffset? current, DateTimeOffset candidate) =>
        current is { } c ? Max(c, candidate) : candidate;

    private static DateTimeOffset Earliest(DateTimeOffset? current, DateTimeOffset candidate) =>
        current is { } c ? Min(c, candidate) : candidate;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a <= b ? a : b;
    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a >= b ? a : b;
}

/// <summary>A purchase at <paramref name="At"/> that raised the lifetime value in <paramref name="Currency"/> from its highest so far to <paramref name="To"/>.</summary>
public sealed record ValueStep(string Currency, DateTimeOffset At, long From, long To);

/// <summary>A failed payment (activity payment_failed): a payment_failed rule's moment, keyed by the activity's id.</summary>
public sealed record PaymentFailure(string ActivityId, DateTimeOffset At);

/// <summary>Orders and value a customer had before WinBack, from the latest import.</summary>
public sealed record ImportedHistory(string ImportId, int OrderCount, Money LifetimeValue);
