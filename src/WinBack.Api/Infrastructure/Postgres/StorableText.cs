namespace WinBack.Api.Infrastructure.Postgres;

/// <summary>
/// Text PostgreSQL can store: no NUL (refused in text and jsonb, 22021 and 22P05) and no unpaired UTF-16 surrogate
/// (which has no UTF-8 form). Checked where input enters (JSON, query, route, headers, import lines) so the 400 names
/// the field, and again at the database boundary (<see cref="Sql"/>, Marten's serializer), because a value PostgreSQL
/// refuses while binding a statement can leave the pooled connection broken for the next request (see
/// <see cref="UnstorableTextException"/>).
/// </summary>
public static class StorableText
{
    public const string Rule = "must not contain NUL (\\u0000) or an unpaired UTF-16 surrogate: PostgreSQL cannot store them";

    public static bool IsStorable(ReadOnlySpan<char> text)
    {
        if (text.Contains('\0'))
            return false;
        var i = text.IndexOfAnyInRange('\uD800', '\uDFFF');
        if (i < 0)
            return true;
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                i++;
            else if (char.IsSurrogate(c))
                return false;
        }
        return true;
    }

    /// <summary>Text from outside WinBack that is recorded as it came (a webhook receiver's answer): unstorable characters become U+FFFD.</summary>
    public static string Storable(string text)
    {
        if (IsStorable(text))
            return text;
        var chars = text.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1]))
                i++;
            else if (chars[i] == '\0' || char.IsSurrogate(chars[i]))
                chars[i] = '\uFFFD';
        }
        return new string(chars);
    }

    /// <summary>Throws <see cref="UnstorableTextException"/> for a value that must not reach PostgreSQL.</summary>
    public static void Require(string? text, string what)
    {
        if (text is not null && !IsStorable(text))
            throw new UnstorableTextException(what);
    }
}

/// <summary>
/// A value PostgreSQL would refuse, stopped before it is sent. Why before: Npgsql auto-prepares a statement on its
/// second use on a connection (Max Auto Prepare, MartenSetup), and marks it prepared as soon as PostgreSQL parses it.
/// When binding the parameters then fails (NUL in text or jsonb fails in Bind, 22021/22P05), the result description
/// that would have followed never arrives, so Npgsql remembers the statement as returning no rows. The next run of
/// that statement on that connection, for any tenant, gets rows it did not expect ("Received unexpected backend
/// message DataRow") and fails (Npgsql 9.0.5 and 10.0.3, NpgsqlDataReader.NextResult).
/// </summary>
public sealed class UnstorableTextException(string what)
    : Exception($"{what} {StorableText.Rule}.")
{
    public string What { get; } = what;
}
