using System.Text.Json;
using System.Text.Json.Serialization;
using WinBack.Domain.Customers;

namespace WinBack.Api.Infrastructure.Marten;

/// <summary>
/// Stores a customer's value steps as arrays (<c>["eur",17966518310069870,0,1299]</c>: currency, instant, from, to) instead of
/// objects with an ISO timestamp: a repeat buyer keeps 32 of them in the hot state that every write reads and rewrites, and as
/// objects they were the larger part of a steady buyer's 4 KB summary (docs/benchmarks.md, "#16: the thirteenth session").
/// The instant is a count of 100-nanosecond ticks since the Unix epoch (UTC), so nothing is rounded; one at another offset
/// stays ISO text. Reads either form, and the objects stored before.
/// </summary>
public sealed class CompactValueStepsConverter : JsonConverter<IReadOnlyList<ValueStep>>
{
    public override IReadOnlyList<ValueStep> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
            throw new JsonException("A list of value steps is an array.");
        var steps = new List<ValueStep>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            steps.Add(reader.TokenType switch
            {
                JsonTokenType.StartArray => ReadArray(ref reader),
                JsonTokenType.StartObject => ReadObject(ref reader),
                _ => throw new JsonException("A value step is an array or an object."),
            });
        return steps;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<ValueStep> value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var step in value)
        {
            writer.WriteStartArray();
            writer.WriteStringValue(step.Currency);
            if (step.At.Offset == TimeSpan.Zero)
                writer.WriteNumberValue(step.At.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks);
            else
                writer.WriteStringValue(step.At);
            writer.WriteNumberValue(step.From);
            writer.WriteNumberValue(step.To);
            writer.WriteEndArray();
        }
        writer.WriteEndArray();
    }

    private static ValueStep ReadArray(ref Utf8JsonReader reader)
    {
        Advance(ref reader);
        var currency = reader.GetString() ?? throw new JsonException("A value step's currency is text.");
        Advance(ref reader);
        var at = Instant(ref reader);
        Advance(ref reader);
        var from = reader.GetInt64();
        Advance(ref reader);
        var to = reader.GetInt64();
        if (!reader.Read() || reader.TokenType != JsonTokenType.EndArray)
            throw new JsonException("A value step is [currency, instant, from, to].");
        return new ValueStep(currency, at, from, to);
    }

    // The form stored before: {"currency": …, "at": "…", "from": …, "to": …}.
    private static ValueStep ReadObject(ref Utf8JsonReader reader)
    {
        string? currency = null;
        DateTimeOffset? at = null;
        long from = 0, to = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name?.ToLowerInvariant())
            {
                case "currency": currency = reader.GetString(); break;
                case "at": at = Instant(ref reader); break;
                case "from": from = reader.GetInt64(); break;
                case "to": to = reader.GetInt64(); break;
                default: reader.Skip(); break;
            }
        }
        return new ValueStep(currency ?? throw new JsonException("A value step has a currency."),
            at ?? throw new JsonException("A value step has an instant."), from, to);
    }

    private static void Advance(ref Utf8JsonReader reader)
    {
        if (!reader.Read() || reader.TokenType is JsonTokenType.EndArray)
            throw new JsonException("A value step is [currency, instant, from, to].");
    }

    private static DateTimeOffset Instant(ref Utf8JsonReader reader) => reader.TokenType == JsonTokenType.Number
        ? new DateTimeOffset(DateTimeOffset.UnixEpoch.UtcTicks + reader.GetInt64(), TimeSpan.Zero)
        : reader.GetDateTimeOffset();
}
