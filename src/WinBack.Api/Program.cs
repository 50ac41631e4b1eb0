using WinBack.Api.Infrastructure.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddWinBack();

var app = builder.Build();
app.UseWinBack();
app.Run();

/// <summary>Entry point; public so that tests can host it with WebApplicationFactory.</summary>
public partial class Program;
