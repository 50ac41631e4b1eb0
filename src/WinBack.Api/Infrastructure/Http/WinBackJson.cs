using System.Text.Json;
using System.Text.Json.Serialization;
using WinBack.Api.Infrastructure.Errors;

namespace WinBack.Api.Infrastructure.Http;

/// <summary>The API's one JSON dialect: camelCase fields, snake_case enum values, unknown fields rejected.</summary>
public static class WinBackJson
{
    public static readonly JsonSerializerOptions Options = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DictionaryKeyPolicy = null;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        // A misspelt field is a client bug that would otherwise be ignored silently.
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.NumberHandling = JsonNumberHandling.Strict;
        options.Converters.Add(new StrictEnumConverter());
        options.Converters.Add(new UtcTimestampConverter());
        StorableTextConverters.AddTo(options, requests: true);
        return options;
    }
}
