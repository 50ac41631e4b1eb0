using Microsoft.Extensions.Time.Testing;
using WinBack.Api.Infrastructure.Http;

namespace WinBack.Api.Tests.Infrastructure.Http;

public sealed class IdsTests
{
    [Fact]
    public void Ids_sort_in_creation_order_even_within_one_millisecond()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-24T09:00:00Z"));
        var ids = new Ids(clock);

        var made = Enumerable.Range(0, 200).Select(i =>
        {
            if (i % 50 == 0) clock.Advance(TimeSpan.FromMilliseconds(1));
            return ids.New("key");
        }).ToList();

        made.ShouldBe(made.Order(StringComparer.Ordinal).ToList());
        made.Distinct().Count().ShouldBe(200);
        made.ShouldAllBe(id => Ids.HasPrefix(id, "key"));
    }
}
