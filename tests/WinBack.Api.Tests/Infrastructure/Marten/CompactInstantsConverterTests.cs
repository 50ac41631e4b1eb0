using System.Text.Json;
using Shouldly;
using WinBack.Api.Infrastructure.Marten;
using Xunit;

namespace WinBack.Api.Tests.Infrastructure.Marten;

public sealed class CompactInstantsConverterTests
{
    private static readonly JsonSerializerOptions Options = new() { Converters = { new CompactInstantsConverter() } };

    [Fact]
    public void Instants_are_stored_as_unix_milliseconds_and_read_back()
    {
        IReadOnlyList<DateTimeOffset> instants = [DateTimeOffset.Parse("2026-01-02T03:04:05.678Z"), DateTimeOffset.Parse("2026-03-01T00:00:00Z")];

        var json = JsonSerializer.Serialize(instants, Options);

        json.ShouldBe("[1767323045678,1772323200000]");
        JsonSerializer.Deserialize<IReadOnlyList<DateTimeOffset>>(json, Options).ShouldBe(instants);
    }

    [Fact]
    public void Instants_stored_as_text_are_read_too()
    {
        var read = JsonSerializer.Deserialize<IReadOnlyList<DateTimeOffset>>("""["2026-01-02T03:04:05.678+00:00"]""", Options);

        read.ShouldBe([DateTimeOffset.Parse("2026-01-02T03:04:05.678Z")]);
    }
}
