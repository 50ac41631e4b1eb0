using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using WinBack.Api.Tests.Infrastructure;

namespace WinBack.Dashboard.Tests;

/// <summary>The API tests' app (own database, platform key, fake wall clock), but on a real 127.0.0.1 port for the browser.</summary>
public sealed class DashboardApp : WinBackApp
{
    public DashboardApp() => UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));

    /// <summary>Where Kestrel listens, such as http://127.0.0.1:41234.</summary>
    public Uri BaseAddress => new(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
}
