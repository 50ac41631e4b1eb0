using System.Text.Json;
using System.Text.Json.Serialization;

namespace WinBack.Api.Infrastructure.Http;

/// <summary>
/// Enums travel as snake_case strings. An unknown value fails with a message that lists the allowed
/// ones, instead of System.Text.Json's "could not be converted to SomeType".
/// </summary>
public sealed class StrictEnumConverter : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(Converter<>).MakeGenericType(typeToConvert))!;

    public static string WireName(Enum value) => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    public static IReadOnlyList<string> WireNames(Type enumType) =>
        Enum.GetValues(enumType).Cast<Enum>().Select(WireName).ToArray();

    private sealed class Converter<T> : JsonConverter<T> where T : struct, Enum
    {
        private static readonly Dictionary<string, T> ByName =
            Enum.GetValues<T>().ToDictionary(v => WireName(v), v => v, StringComparer.Ordinal);

        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            if (text is not null && ByName.TryGetValue(text, out var value))
                return value;
            var shown = text is null ? $"a {reader.TokenType.ToString().ToLowerInvariant()}" : $"'{text}'";
            var message = $"{shown} is not allowed; use one of: {string.Join(", ", ByName.Keys)}.";
            throw new JsonException(message) { Data = { [Errors.JsonErrors.MessageKey] = message } };
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
            writer.WriteStringValue(WireName(value));

        public override T ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            Read(ref reader, typeToConvert, options);

        public override void WriteAsPropertyName(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
            writer.WritePropertyName(WireName(value));
    }
}
