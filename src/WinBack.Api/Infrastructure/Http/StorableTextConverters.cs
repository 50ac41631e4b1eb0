using System.Text.Json;
using System.Text.Json.Serialization;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Postgres;

namespace WinBack.Api.Infrastructure.Http;

/// <summary>
/// Strings (values and dictionary keys) and free-form JSON (<see cref="JsonElement"/>) must be text PostgreSQL can store.
/// Reading, an unstorable one fails as a JSON error at its path, so the 400 names the field (request bodies, import
/// lines). Writing, it throws <see cref="UnstorableTextException"/>: Marten's serializer uses these too, so nothing
/// unstorable reaches a jsonb parameter, whatever path it came by.
/// </summary>
public static class StorableTextConverters
{
    /// <param name="requests">
    /// Also reads maps of strings (properties, attributes) entry by entry: System.Text.Json reads string keys without
    /// any converter, and would take a null value that the validators do not expect.
    /// </param>
    public static void AddTo(JsonSerializerOptions options, bool requests = false)
    {
        options.Converters.Add(new StringConverter());
        options.Converters.Add(new JsonElementConverter());
        if (requests)
            options.Converters.Add(new StringMapConverter());
    }

    private static JsonException Refused(string? where = null, string what = "The text")
    {
        var message = where is null ? $"{what} {StorableText.Rule}." : $"{what} at '{where}' {StorableText.Rule}.";
        return new JsonException(message) { Data = { [JsonErrors.MessageKey] = message, [JsonErrors.ValueKey] = true } };
    }

    private static string Read(ref Utf8JsonReader reader, string what = "The text")
    {
        string? text;
        try
        {
            text = reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName ? reader.GetString() : null;
        }
        catch (InvalidOperationException)
        {
            throw Refused(what: what); // an escaped unpaired surrogate
        }
        if (text is null)
            throw new JsonException($"Cannot get the value of a token type '{reader.TokenType}' as a string.");
        return StorableText.IsStorable(text) ? text : throw Refused(what: what);
    }

    private sealed class StringConverter : JsonConverter<string>
    {
        public override bool HandleNull => false;

        public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            StorableTextConverters.Read(ref reader);

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
        {
            StorableText.Require(value, "A JSON string");
            writer.WriteStringValue(value);
        }

        public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            StorableTextConverters.Read(ref reader);

        public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
        {
            StorableText.Require(value, "A JSON property name");
            writer.WritePropertyName(value);
        }
    }

    private sealed class StringMapConverter : JsonConverter<Dictionary<string, string>>
    {
        public override Dictionary<string, string> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
                throw Shape("an object of strings");
            var map = new Dictionary<string, string>();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                var key = StorableTextConverters.Read(ref reader, "A key");
                reader.Read();
                try
                {
                    map[key] = reader.TokenType == JsonTokenType.String ? StorableTextConverters.Read(ref reader) : throw Shape("a string");
                }
                catch (JsonException e)
                {
                    e.Data[JsonErrors.EntryKey] = key;
                    throw;
                }
            }
            return map;
        }

        public override void Write(Utf8JsonWriter writer, Dictionary<string, string> value, JsonSerializerOptions options)
        {
            writer.WriteStartObject();
            foreach (var (key, text) in value)
            {
                StorableText.Require(key, "A JSON property name");
                StorableText.Require(text, "A JSON string");
                writer.WriteString(key, text);
            }
            writer.WriteEndObject();
        }

        private static JsonException Shape(string expected)
        {
            var message = $"Expected {expected}.";
            return new JsonException(message) { Data = { [JsonErrors.MessageKey] = message } };
        }
    }

    private sealed class JsonElementConverter : JsonConverter<JsonElement>
    {
        public override JsonElement Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var element = JsonElement.ParseValue(ref reader);
            return FirstUnstorable(element, "") is { } where ? throw Refused(where.Length == 0 ? null : where) : element;
        }

        public override void Write(Utf8JsonWriter writer, JsonElement value, JsonSerializerOptions options)
        {
            if (FirstUnstorable(value, "") is not null)
                throw new UnstorableTextException("A JSON value");
            value.WriteTo(writer);
        }

        /// <summary>The path, relative to the element, of its first unstorable string or property name; null when all are storable.</summary>
        private static string? FirstUnstorable(JsonElement element, string path)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.String:
                    return IsStorable(element.GetString) ? null : path;
                case JsonValueKind.Array:
                    var i = 0;
                    foreach (var item in element.EnumerateArray())
                        if (FirstUnstorable(item, $"{path}[{i++}]") is { } inItem)
                            return inItem;
                    return null;
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        if (!IsStorable(() => property.Name))
                            return path;
                        if (FirstUnstorable(property.Value, path.Length == 0 ? property.Name : $"{path}.{property.Name}") is { } inValue)
                            return inValue;
                    }
                    return null;
                default:
                    return null;
            }
        }

        private static bool IsStorable(Func<string?> text)
        {
            try
            {
                return text() is not { } value || StorableText.IsStorable(value);
            }
            catch (InvalidOperationException)
            {
                return false; // an escaped unpaired surrogate
            }
        }
    }
}
