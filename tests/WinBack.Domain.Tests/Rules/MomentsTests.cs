using WinBack.Domain.Common;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;

namespace WinBack.Domain.Tests.Rules;

/// <summary>Each moment trigger's exact moment, from the customer's folded events: time zones, leap years, late events, once only.</summary>
public sealed class MomentsTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-01-10T12:00:00Z");
    private static readonly TimeZoneInfo Paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
    private static readonly TimeZoneInfo Auckland = TimeZoneInfo.FindSystemTimeZoneById("Pacific/Auckland");

    private static ActivityRecorded Purchase(DateTimeOffset at, long amount = 1000, string id = "") =>
        new("c1", $"act_{at.ToUnixTimeSeconds()}{id}", ActivityType.Purchase, at, at, new Money(amount, "eur"), null, null, null, null);

    private static ActivityRecorded Login(DateTimeOffset at) =>
        new("c1", $"login_{at.ToUnixTimeSeconds()}", ActivityType.Login, at, at, null, null, null, null, null);

    private static ProfileUpdated Born(string birthday, DateTimeOffset at) =>
        new("c1", null, null, new Dictionary<string, string>(), at, birthday);

    private static Customer Given(params ICustomerEvent[] events) =>
        events.Aggregate((Customer?)null, (state, e) => Customer.Evolve(state, e))!;

    private static Trigger Of(TriggerType type, int days = 0) => new(type, days, []);

    private static Moment? Next(Trigger trigger, Customer customer, TimeZoneInfo? zone = null, DateTimeOffset? since = null) =>
        Moments.Next(trigger, customer, TriggerContext.None.ForRule("rule_1", since) with { TimeZone = zone ?? TimeZoneInfo.Utc });

    [Fact]
    public void Welcome_comes_days_after_first_seen_even_when_an_earlier_activity_arrives_late()
    {
        var customer = Given(Login(T0), Login(T0.AddDays(-2)));

        Next(Of(TriggerType.Welcome, 3), customer).ShouldBe(new Moment(T0.AddDays(1), "welcome"));
        Next(Of(TriggerType.Welcome, 0), customer)!.At.ShouldBe(T0.AddDays(-2));
    }

    [Fact]
    public void Nth_purchase_is_the_count_th_order_in_time_order_so_a_backdated_one_takes_its_place()
    {
        var customer = Given(Purchase(T0), Purchase(T0.AddDays(10)));
        Next(Of(TriggerType.NthPurchase) with { Count = 3 }, customer).ShouldBeNull();

        var late = Customer.Evolve(customer, Purchase(T0.AddDays(5)));

        Next(Of(TriggerType.NthPurchase) with { Count = 3 }, late).ShouldBe(new Moment(T0.AddDays(10), "nth_purchase:3"));
        Next(Of(TriggerType.NthPurchase) with { Count = 2 }, late)!.At.ShouldBe(T0.AddDays(5));
    }

    [Fact]
    public void Nth_purchase_reached_in_an_import_is_no_moment_of_WinBack()
    {
        var customer = Given(new CustomerImported("c1", "imp_1", null, null, new Dictionary<string, string>(), T0.AddYears(-2), T0, T0, 5,
            new Money(10_000, "eur"), T0));

        Moments.NthPurchaseAt(customer, 3).ShouldBeNull();
        Moments.NthPurchaseAt(Customer.Evolve(customer, Purchase(T0.AddDays(1))), 6).ShouldBe(T0.AddDays(1));
    }

    [Fact]
    public void Lifetime_value_is_reached_by_the_purchase_that_first_takes_it_past_the_amount_and_not_again_after_a_refund()
    {
        var refund = new ActivityRecorded("c1", "ref_1", ActivityType.Refund, T0.AddDays(3), T0.AddDays(3), new Money(3000, "eur"), null, null, null, null);
        var customer = Given(Purchase(T0, 3000), Purchase(T0.AddDays(2), 3000), refund, Purchase(T0.AddDays(4), 4000));
        var trigger = Of(TriggerType.LifetimeValueReached) with { Amount = new Money(5000, "eur") };

        Next(trigger, customer).ShouldBe(new Moment(T0.AddDays(2), "lifetime_value:5000:eur"));
        Moments.ValueReachedAt(customer, "eur", 7001).ShouldBeNull(); // 3000 + 3000 − 3000 + 4000 = 7000 at most
        Moments.ValueReachedAt(customer, "usd", 1).ShouldBeNull();
    }

    [Fact]
    public void Anniversaries_fall_on_the_listed_years_of_the_first_purchase_or_of_first_seen()
    {
        var customer = Given(Login(T0), Purchase(T0.AddDays(30)));
        var trigger = Of(TriggerType.Anniversary) with { Years = [2, 1], From = AnniversaryFrom.FirstPurchase };

        Moments.Occurrences(trigger, customer, TimeZoneInfo.Utc).ShouldBe(
            [new Moment(T0.AddDays(30).AddYears(1), "anniversary:1"), new Moment(T0.AddDays(30).AddYears(2), "anniversary:2")]);
        Next(trigger with { From = AnniversaryFrom.FirstSeen }, customer)!.At.ShouldBe(T0.AddYears(1));
    }

    [Fact]
    public void An_anniversary_of_29_February_falls_on_28_February_in_other_years()
    {
        var leap = DateTimeOffset.Parse("2028-02-29T10:00:00Z");
        var customer = Given(Purchase(leap));

        Next(Of(TriggerType.Anniversary) with { Years = [1] }, customer)!.At.ShouldBe(DateTimeOffset.Parse("2029-02-28T10:00:00Z"));
    }

    [Fact]
    public void A_moment_already_fired_for_the_rule_does_not_come_again_and_the_next_year_does()
    {
        var customer = Given(Purchase(T0));
        var trigger = Of(TriggerType.Anniversary) with { Years = [1, 2] };
        var fired = Customer.Evolve(customer, new MomentReached("c1", "lap_1", "rule_1", 1, "default", TriggerType.Anniversary, "anniversary:1",
            T0.AddYears(1), T0.AddYears(1), new Dictionary<string, string>(), 30));

        Next(trigger, fired)!.Key.ShouldBe("anniversary:2");
        Moments.Next(trigger, fired, TriggerContext.None.ForRule("rule_2", null))!.Key.ShouldBe("anniversary:1"); // another rule's are its own
    }

    [Fact]
    public void Moments_before_the_rule_was_active_are_not_its_to_fire()
    {
        var customer = Given(Purchase(T0), Purchase(T0.AddDays(1)), Purchase(T0.AddDays(2)));

        Next(Of(TriggerType.NthPurchase) with { Count = 3 }, customer, since: T0.AddDays(3)).ShouldBeNull();
        Next(Of(TriggerType.NthPurchase) with { Count = 3 }, customer, since: T0.AddDays(2))!.At.ShouldBe(T0.AddDays(2));
    }

    [Fact]
    public void A_birthday_moment_starts_the_local_day_days_before_in_the_tenant_time_zone()
    {
        var customer = Given(Login(T0), Born("1990-07-14", T0));
        var trigger = Of(TriggerType.Birthday) with { DaysBefore = 7 };

        Next(trigger, customer, since: T0).ShouldBe(new Moment(DateTimeOffset.Parse("2026-07-07T00:00:00Z"), "birthday:2026"));
        // Paris is UTC+2 in July: local midnight is 22:00 UTC the day before.
        Next(trigger, customer, Paris, since: T0)!.At.ShouldBe(DateTimeOffset.Parse("2026-07-06T22:00:00Z"));
        // Auckland is UTC+12 in July.
        Next(trigger with { DaysBefore = 0 }, customer, Auckland, since: T0)!.At.ShouldBe(DateTimeOffset.Parse("2026-07-13T12:00:00Z"));
    }

    [Fact]
    public void A_birthday_fires_once_a_year_keyed_by_the_birthday_year_even_when_days_before_crosses_new_year()
    {
        var customer = Given(Login(T0), Born("01-03", T0));
        var trigger = Of(TriggerType.Birthday) with { DaysBefore = 7 };
        var since = DateTimeOffset.Parse("2026-06-01T00:00:00Z");

        var first = Next(trigger, customer, since: since)!;
        first.ShouldBe(new Moment(DateTimeOffset.Parse("2026-12-27T00:00:00Z"), "birthday:2027"));
        var fired = Customer.Evolve(customer, new MomentReached("c1", "lap_1", "rule_1", 1, "default", TriggerType.Birthday, first.Key, first.At,
            first.At, new Dictionary<string, string>(), 30));
        Next(trigger, fired, since: since)!.ShouldBe(new Moment(DateTimeOffset.Parse("2027-12-27T00:00:00Z"), "birthday:2028"));
    }

    [Theory]
    [InlineData("02-29", 2027, "2027-02-28")]
    [InlineData("02-29", 2028, "2028-02-29")]
    [InlineData("2000-02-29", 2026, "2026-02-28")]
    [InlineData("12-31", 2026, "2026-12-31")]
    public void A_29_February_birthday_falls_on_28_February_in_other_years(string birthday, int year, string expected) =>
        Birthday.Parse(birthday)!.In(year).ShouldBe(DateOnly.Parse(expected));

    [Theory]
    [InlineData("07-14", true)]
    [InlineData("1990-07-14", true)]
    [InlineData("02-29", true)]
    [InlineData("2001-02-29", false)]
    [InlineData("13-01", false)]
    [InlineData("7-14", false)]
    [InlineData("1899-01-01", false)]
    [InlineData("14/07/1990", false)]
    [InlineData("", false)]
    public void Birthdays_are_MM_DD_or_YYYY_MM_DD_real_dates(string text, bool valid) => Birthday.IsValid(text).ShouldBe(valid);

    [Fact]
    public void No_birthday_before_the_customer_was_born()
    {
        var customer = Given(Login(DateTimeOffset.Parse("2020-01-01T00:00:00Z")), Born("2024-05-01", T0));

        Moments.Occurrences(Of(TriggerType.Birthday) with { DaysBefore = 0 }, customer, TimeZoneInfo.Utc).First().Key.ShouldBe("birthday:2024");
    }

    // usage_decline and contact_burst have steps of their own, and stored ones (SignalsTests).
    public static TheoryData<TriggerType> MomentTypes => new(Enum.GetValues<TriggerType>().Where(t => Moments.IsMoment(t) && !Signals.IsSignal(t)));

    // The store reads only the customers the bounds let through: they must let through everyone whose moment the domain would fire.
    [Theory]
    [MemberData(nameof(MomentTypes))]
    public void The_stored_bounds_never_leave_out_a_customer_whose_moment_has_come(TriggerType type)
    {
        var window = TriggerWindows.Of(type)!;
        var trigger = new Trigger(type, type == TriggerType.Welcome ? 3 : 0, []) { Count = 2, Amount = new Money(1500, "eur"), Years = [1, 2], DaysBefore = 5 };
        var customers = new[]
        {
            Given(Login(T0)),
            Given(Purchase(T0), Purchase(T0.AddDays(40)),
                new ActivityRecorded("c1", "act_pf", ActivityType.PaymentFailed, T0.AddDays(41), T0.AddDays(41), null, null, null, null, null)),
            Given(Login(T0.AddDays(-400)), Purchase(T0.AddDays(-380)), Born("01-20", T0)),
            Given(Purchase(T0.AddDays(-700)), Purchase(T0.AddDays(-10), 5000), Born("1980-02-29", T0)),
        };
        var checkedOne = false;
        foreach (var since in new[] { T0.AddDays(-30), T0, T0.AddDays(20) })
            foreach (var by in new[] { T0.AddDays(10), T0.AddDays(60), T0.AddDays(400) })
            {
                var openedBy = window.OpenedBy(trigger, by.AddDays(-trigger.Days))?.Compile();
                var openedSince = window.OpenedSince?.Invoke(trigger, since.AddDays(-trigger.Days))?.Compile();
                foreach (var customer in customers.Where(c => Next(trigger, c, since: since) is { } m && m.At <= by))
                {
                    checkedOne = true;
                    (openedBy?.Invoke(customer) ?? true).ShouldBeTrue($"{type} {customer.FirstSeenAt:O} by {by:O}");
                    (openedSince?.Invoke(customer) ?? true).ShouldBeTrue($"{type} {customer.FirstSeenAt:O} since {since:O}");
                }
            }
        checkedOne.ShouldBeTrue();
    }
}
