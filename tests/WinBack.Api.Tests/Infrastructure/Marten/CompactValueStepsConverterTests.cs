using System.Text.Json;
using Shouldly;
using WinBack.Api.Infrastructure.Marten;
using WinBack.Domain.Customers;
using Xunit;

namespace WinBack.Api.Tests.Infrastructure.Marten;

public sealed class CompactValueStepsConverterTests
{
    private static readonly JsonSerializerOptions Options = new() { Converters = { new CompactValueStepsConverter() } };

    [Fact]
    public void Steps_are_stored_as_arrays_with_ticks_since_the_unix_epoch_and_read_back()
    {
        IReadOnlyList<ValueStep> steps =
        [
            new("eur", DateTimeOffset.Parse("2026-01-02T03:04:05.678Z"), 0, 1299),
            new("usd", DateTimeOffset.Parse("2026-03-01T00:00:00Z"), 1299, 9_000_000_000_000),
        ];

        var json = JsonSerializer.Serialize(steps, Options);

        json.ShouldBe("""[["eur",17673230456780000,0,1299],["usd",17723232000000000,1299,9000000000000]]""");
        JsonSerializer.Deserialize<IReadOnlyList<ValueStep>>(json, Options).ShouldBe(steps);
    }

    [Fact]
    public void Instants_are_read_back_to_the_tick_and_one_off_utc_keeps_its_offset()
    {
        IReadOnlyList<ValueStep> steps =
        [
            new("eur", DateTimeOffset.Parse("2026-12-07T13:57:11.0877948Z"), 0, 1299),
            new("eur", DateTimeOffset.Parse("2026-12-07T14:00:00+01:00"), 1299, 2598),
        ];

        var json = JsonSerializer.Serialize(steps, Options);
        var read = JsonSerializer.Deserialize<IReadOnlyList<ValueStep>>(json, Options)!;

        json.ShouldBe("""[["eur",17966518310877948,0,1299],["eur","2026-12-07T14:00:00+01:00",1299,2598]]""");
        read.ShouldBe(steps);
        read.Select(s => (s.At.Ticks, s.At.Offset)).ShouldBe(steps.Select(s => (s.At.Ticks, s.At.Offset)));
    }

    [Fact]
    public void Steps_stored_as_objects_before_are_read_too()
    {
        const string before = """
            [{"currency":"eur","at":"2026-12-07T13:57:11.006987+00:00","from":0,"to":1299},
             {"currency":"eur","at":"2026-12-07T13:57:11.0279517+00:00","from":1299,"to":2598}]
            """;

        JsonSerializer.Deserialize<IReadOnlyList<ValueStep>>(before, Options).ShouldBe(
        [
            new ValueStep("eur", DateTimeOffset.Parse("2026-12-07T13:57:11.006987Z"), 0, 1299),
            new ValueStep("eur", DateTimeOffset.Parse("2026-12-07T13:57:11.0279517Z"), 1299, 2598),
        ]);
    }

    [Fact]
    public void A_repeat_buyers_32_steps_take_under_half_the_room_they_took_as_objects()
    {
        var steps = Enumerable.Range(0, Customer.RecentPurchaseLimit)
            .Select(i => new ValueStep("eur", DateTimeOffset.Parse("2026-12-07T13:57:11.123Z").AddDays(i), i * 1299L, (i + 1) * 1299L)).ToList();
        var asObjects = JsonSerializer.Serialize(steps, new JsonSerializerOptions(JsonSerializerDefaults.Web));

        var compact = JsonSerializer.Serialize<IReadOnlyList<ValueStep>>(steps, Options);

        compact.Length.ShouldBeLessThan(asObjects.Length / 2, $"{compact.Length} against {asObjects.Length} bytes");
    }
}
