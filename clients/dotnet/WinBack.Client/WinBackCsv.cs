using Microsoft.Kiota.Abstractions;
using WinBack.Client.Generated;

namespace WinBack.Client;

public static class WinBackCsv
{
    /// <summary>
    /// A report as CSV: the request a generated builder makes for JSON, sent with <c>Accept: text/csv</c>, e.g.
    /// <c>client.ReadCsvAsync(client.V1.Reports.Reactivation.ToGetRequestInformation(q => ...))</c>.
    /// </summary>
    public static async Task<string> ReadCsvAsync(this WinBackApiClient client, RequestInformation request, CancellationToken cancellationToken = default)
    {
        request.Headers.Remove("Accept");
        request.Headers.Add("Accept", "text/csv");
        await using var body = await client.Adapter.SendPrimitiveAsync<Stream>(request, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (body is null)
            return "";
        using var reader = new StreamReader(body);
        return await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
    }
}
