using Microsoft.Kiota.Abstractions;

namespace WinBack.Client.Generated;

public partial class WinBackApiClient
{
    /// <summary>The adapter the client sends through, for requests the builders prepare but do not send as wanted
    /// (<see cref="WinBack.Client.WinBackCsv"/>).</summary>
    public IRequestAdapter Adapter => RequestAdapter;
}
