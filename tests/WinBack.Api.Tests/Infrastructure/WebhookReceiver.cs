using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace WinBack.Api.Tests.Infrastructure;

/// <summary>One request the receiver got.</summary>
public sealed record ReceivedWebhook(string Id, string Timestamp, string Signature, string Body, int AnsweredWith)
{
    public override string ToString() => $"{Type}/{AnsweredWith}";

    public JsonElement Json => JsonDocument.Parse(Body).RootElement;
    public string Type => Json.GetProperty("type").GetString()!;
    public string? CustomerId => Json.GetProperty("customerId").GetString();
    public long Sequence => Json.GetProperty("sequence").GetInt64();
}

/// <summary>
/// A real HTTP receiver on 127.0.0.1 (Kestrel on a free port). It records every request and answers with what
/// <see cref="Answer"/> says (200 by default); <see cref="Hold"/> keeps requests waiting until released.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();

    /// <summary>The status to answer a request with; may look at the parsed body.</summary>
    public Func<JsonElement, int> Answer { get; set; } = _ => 200;

    /// <summary>The body to answer with; "ok" for a 200 and "not now" otherwise by default.</summary>
    public string? AnswerBody { get; set; }

    /// <summary>When set, each request waits for it before being recorded as answered.</summary>
    public TaskCompletionSource? Hold { get; set; }

    /// <summary>How long each request takes to answer (a slow receiver keeps deliveries in flight).</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>Requests that arrived, including ones still held.</summary>
    public ConcurrentQueue<string> Arrived { get; } = new();

    public string Url { get; }

    private WebhookReceiver(WebApplication app, string url) => (_app, Url) = (app, url);

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        WebhookReceiver? receiver = null;
        app.MapPost("/hook", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            var id = context.Request.Headers["webhook-id"].ToString();
            receiver!.Arrived.Enqueue(id);
            if (receiver.Hold is { } hold)
                await hold.Task;
            if (receiver.Delay > TimeSpan.Zero)
                await Task.Delay(receiver.Delay);
            var status = receiver.Answer(JsonDocument.Parse(body).RootElement);
            receiver._received.Enqueue(new ReceivedWebhook(id, context.Request.Headers["webhook-timestamp"].ToString(),
                context.Request.Headers["webhook-signature"].ToString(), body, status));
            return Results.Text(receiver.AnswerBody ?? (status == 200 ? "ok" : "not now"), statusCode: status);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        receiver = new WebhookReceiver(app, address + "/hook");
        return receiver;
    }

    /// <summary>Everything answered so far, in arrival order.</summary>
    public IReadOnlyList<ReceivedWebhook> Received => _received.ToList();

    /// <summary>Requests answered with 2xx, in arrival order.</summary>
    public IReadOnlyList<ReceivedWebhook> Accepted => _received.Where(r => r.AnsweredWith is >= 200 and < 300).ToList();

    /// <summary>Waits up to 15 s until the condition over what was answered holds.</summary>
    public Task<IReadOnlyList<ReceivedWebhook>> WaitForAsync(Func<IReadOnlyList<ReceivedWebhook>, bool> condition, string what) =>
        Eventually.ReadAsync(() => Task.FromResult(Received), condition, $"the receiver get {what}");

    public async ValueTask DisposeAsync()
    {
        Hold?.TrySetResult();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
