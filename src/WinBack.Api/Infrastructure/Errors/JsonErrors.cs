using System.Text.Json;
using System.Text.RegularExpressions;
using FluentValidation.Results;

namespace WinBack.Api.Infrastructure.Errors;

/// <summary>Turns System.Text.Json's exceptions into messages that name the field and say what was expected.</summary>
public static partial class JsonErrors
{
    public const string BodyField = "body";
    /// <summary>Converters put their own message for the client under this key of a JsonException's Data.</summary>
    public const string MessageKey = "winback.message";
    /// <summary>Set (true) by converters whose error is about a well-formed value, not the JSON: it is then validation_failed.</summary>
    public const string ValueKey = "winback.value";
    /// <summary>The entry of a map the error is about, which the exception's path (the map's) does not name.</summary>
    public const string EntryKey = "winback.entry";

    public static ValidationFailure Describe(JsonException exception)
    {
        var (message, aboutField) = MessageFor(exception);
        var field = !aboutField || string.IsNullOrEmpty(exception.Path) || exception.Path == "$" ? BodyField : FieldPath(exception.Path);
        if (aboutField && exception.Data[EntryKey] is string entry)
            field = field == BodyField ? entry : $"{field}.{entry}";
        return new ValidationFailure(field, message) { ErrorCode = exception.Data[ValueKey] is true ? ErrorCodes.ValidationFailed : ErrorCodes.InvalidJson };
    }

    /// <summary>"$.apiKeys[0].Scope" or "ApiKeys[0].Scope" becomes "apiKeys[0].scope".</summary>
    public static string FieldPath(string path)
    {
        var trimmed = path.StartsWith("$.") ? path[2..] : path.TrimStart('$');
        if (trimmed.Length == 0) return BodyField;
        return string.Join('.', trimmed.Split('.').Select(s => s.Length == 0 ? s : char.ToLowerInvariant(s[0]) + s[1..]));
    }

    /// <summary>The message, and whether it is about one field (else about the body's syntax).</summary>
    private static (string Message, bool AboutField) MessageFor(JsonException exception)
    {
        if (exception.Data[MessageKey] is string converterMessage)
            return (converterMessage, true);
        var message = exception.InnerException is InvalidOperationException or FormatException
            ? exception.InnerException.Message
            : exception.Message;

        if (UnmappedMember().Match(message) is { Success: true } unmapped)
            return ($"Unknown field '{unmapped.Groups["name"].Value}'. See the request schema in /swagger.", true);
        if (ConvertTo().Match(message) is { Success: true } convert)
            return ($"Expected {Expected(convert.Groups["type"].Value)}.", true);
        if (OutOfBounds().Match(message) is { Success: true } bounds)
            return ($"Expected {Expected("System." + bounds.Groups["type"].Value)}.", true);
        if (TokenType().Match(message) is { Success: true } token)
            return ($"Expected a {token.Groups["type"].Value.ToLowerInvariant()}, got {Token(token.Groups["token"].Value)}.", true);
        if (message.Contains("does not contain any JSON tokens", StringComparison.Ordinal))
            return ("The body is empty: send a JSON object.", false);
        if (message.Contains("DateTimeOffset", StringComparison.Ordinal))
            return ($"Expected {Expected("System.DateTimeOffset")}.", true);
        if (message.Contains("missing required properties", StringComparison.Ordinal))
            return ("A required field is missing.", true);
        // Reader errors ("'x' is an invalid start of a value") say where the syntax broke.
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return ($"The body is not valid JSON: {(cut > 0 ? message[..cut] : message)}", false);
    }

    private static string Token(string tokenType) => tokenType switch
    {
        "StartObject" => "an object",
        "StartArray" => "an array",
        "True" or "False" => "a boolean",
        "Null" => "null",
        _ => $"a {tokenType.ToLowerInvariant()}",
    };

    private static string Expected(string clrType)
    {
        var type = clrType.TrimEnd(']').Split('[').Last().Split('`')[0];
        return type switch
        {
            "System.String" => "a string",
            "System.Int32" or "System.Int64" or "System.Int16" => "an integer",
            "System.Decimal" or "System.Double" => "a number",
            "System.Boolean" => "true or false",
            "System.DateTimeOffset" or "System.DateTime" => "an RFC 3339 timestamp such as 2026-01-31T09:30:00Z",
            _ when type.StartsWith("System.Collections") || type.EndsWith("[]") => "an array",
            _ when type.StartsWith("System.Nullable") => "a value of the documented type, or null",
            _ => "an object of the documented shape",
        };
    }

    [GeneratedRegex("The JSON property '(?<name>[^']+)' could not be mapped")]
    private static partial Regex UnmappedMember();

    [GeneratedRegex("out of bounds for an? (?<type>[A-Za-z0-9]+)")]
    private static partial Regex OutOfBounds();

    [GeneratedRegex("Cannot get the value of a token type '(?<token>[A-Za-z]+)' as a (?<type>[A-Za-z]+)")]
    private static partial Regex TokenType();

    [GeneratedRegex("could not be converted to (?<type>[^ .]+(\\.[^ .]+)*)")]
    private static partial Regex ConvertTo();
}
