using Microsoft.Extensions.FileProviders;

namespace WinBack.Api.Infrastructure.Http;

/// <summary>
/// The dashboard (<c>GET /dashboard</c>): static files from wwwroot/dashboard, served to anyone and holding no data. The page
/// reads every figure from the public API with the admin key its user pastes, so it shows only what that key may see.
/// </summary>
public static class DashboardFiles
{
    public const string Path = "/dashboard";

    /// <summary>Only this origin's own files: no inline script or style (app.js and app.css), no frames, no forms posted away.</summary>
    public const string Policy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; " +
        "form-action 'none'; frame-ancestors 'none'";

    public static WebApplication UseDashboard(this WebApplication app)
    {
        var folder = System.IO.Path.Combine(app.Environment.ContentRootPath, "wwwroot", "dashboard");
        if (!Directory.Exists(folder))
            return app; // a build without the page (a worker image) serves none
        var files = new PhysicalFileProvider(folder);
        app.UseWhen(context => context.Request.Path.StartsWithSegments(Path), dashboard =>
        {
            // /dashboard and /dashboard/ are the page itself; its assets are named absolutely, so no redirect is needed.
            dashboard.Use((context, next) =>
            {
                if (context.Request.Path.Value is Path or Path + "/")
                    context.Request.Path = Path + "/index.html";
                return next(context);
            });
            dashboard.UseStaticFiles(new StaticFileOptions
            {
                RequestPath = Path,
                FileProvider = files,
                OnPrepareResponse = file => file.Context.Response.Headers.CacheControl = "no-cache",
            });
        });
        return app;
    }
}
