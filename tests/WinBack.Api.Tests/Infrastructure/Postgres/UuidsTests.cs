using WinBack.Api.Infrastructure.Postgres;

namespace WinBack.Api.Tests.Infrastructure.Postgres;

public sealed class UuidsTests
{
    [Fact]
    public void Many_version_7_uuids_from_one_draw_carry_the_time_the_version_and_the_variant_and_differ()
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var ids = Uuids.Version7(10_000);
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        ids.Length.ShouldBe(10_000);
        ids.Distinct().Count().ShouldBe(10_000);
        ids.ShouldAllBe(id => id.Version == 7 && id.Variant >= 8 && id.Variant <= 11);
        foreach (var id in ids)
        {
            var ms = Convert.ToInt64(id.ToString("N")[..12], 16); // the first 48 bits, as RFC 9562 lays them out
            ms.ShouldBeInRange(before, after);
        }
        // The same layout as the runtime's own: a uuid made after these sorts after them as text, as PostgreSQL sorts uuids.
        Thread.Sleep(2);
        string.CompareOrdinal(Guid.CreateVersion7().ToString("N"), ids[0].ToString("N")).ShouldBePositive();
        Uuids.Version7(0).ShouldBeEmpty();
    }
}
