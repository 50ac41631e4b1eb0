using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace WinBack.Api.Tests.Infrastructure;

public enum StripeFailure { ServerError, RateLimited, Timeout }

/// <summary>One call the fake answered (or failed on purpose).</summary>
public sealed record StripeCall(string Method, string Path, IReadOnlyDictionary<string, string> Form, string? IdempotencyKey, int Status);

/// <summary>
/// A stateful Stripe stand-in: a real HTTP server on 127.0.0.1 that the real Stripe.net client talks to. It answers the
/// calls WinBack makes with objects shaped like Stripe's own fixtures (fixtures3.json), keeps customers' balances and
/// balance transactions, coupons and promotion codes, and subscriptions (read, and updated: pause_collection, trial_end), emits
/// signed events (invoice.paid, invoice.payment_failed, ...) to a receiver, honours Idempotency-Key as Stripe does (the same key and
/// parameters replay the first answer; other parameters get 400 idempotency_error), and can fail the next calls.
/// </summary>
public sealed class StripeFake : IAsyncDisposable
{
    public const string SecretKey = "sk_test_fake_51HxWinBack0000000000000000000000";
    private readonly WebApplication _app;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, long> _balances = new();
    private readonly Dictionary<string, (string Fingerprint, int Status, string Body)> _idempotent = new();
    private readonly Queue<StripeFailure> _failures = new();
    private readonly Queue<StripeFailure> _updateFailures = new();
    private int _ids;

    public ConcurrentQueue<StripeCall> Calls { get; } = new();
    public List<JsonObject> BalanceTransactions { get; } = [];
    public List<JsonObject> Coupons { get; } = [];
    public List<JsonObject> PromotionCodes { get; } = [];
    /// <summary>Subscriptions by id, in Stripe's shape; POST /v1/subscriptions/{id} changes pause_collection, trial_end and metadata.</summary>
    public Dictionary<string, JsonObject> Subscriptions { get; } = new();
    /// <summary>Every subscription update the fake applied (a replay of an idempotent request applies nothing): the id and its form.</summary>
    public List<(string Id, IReadOnlyDictionary<string, string> Form)> SubscriptionUpdates { get; } = [];
    public string ApiBase { get; private set; } = "";

    /// <summary>How long each answer takes after the work is done (a slow Stripe): a caller killed meanwhile never hears of it.</summary>
    public TimeSpan Delay { get; set; }

    private StripeFake(WebApplication app) => _app = app;

    public static async Task<StripeFake> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new StripeFake(app);
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        fake.ApiBase = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return fake;
    }

    public void AddCustomer(string id)
    {
        lock (_lock) _balances.TryAdd(id, 0);
    }

    /// <summary>The customer's balance: negative is credit, as in Stripe.</summary>
    public long Balance(string customer)
    {
        lock (_lock) return _balances[customer];
    }

    /// <summary>A subscription of the customer, active, or trialing until <paramref name="trialEnd"/>.</summary>
    public JsonObject AddSubscription(string id, string customer, DateTimeOffset? trialEnd = null)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var subscription = new JsonObject
        {
            ["id"] = id, ["object"] = "subscription", ["application"] = null, ["billing_cycle_anchor"] = now, ["cancel_at"] = null,
            ["cancel_at_period_end"] = false, ["canceled_at"] = null,
            ["cancellation_details"] = new JsonObject { ["comment"] = null, ["feedback"] = null, ["reason"] = null },
            ["collection_method"] = "charge_automatically", ["created"] = now, ["currency"] = "eur", ["customer"] = customer,
            ["description"] = null, ["discounts"] = new JsonArray(), ["ended_at"] = null,
            ["items"] = new JsonObject { ["object"] = "list", ["data"] = new JsonArray(), ["has_more"] = false, ["url"] = $"/v1/subscription_items?subscription={id}" },
            ["latest_invoice"] = null, ["livemode"] = false, ["metadata"] = new JsonObject(), ["pause_collection"] = null, ["schedule"] = null,
            ["start_date"] = now, ["status"] = trialEnd is null ? "active" : "trialing", ["test_clock"] = null,
            ["trial_end"] = trialEnd?.ToUnixTimeSeconds(), ["trial_start"] = trialEnd is null ? null : now,
            ["billing_mode"] = new JsonObject { ["type"] = "classic" },
        };
        lock (_lock) Subscriptions[id] = subscription;
        return subscription;
    }

    /// <summary>An invoice of the customer in Stripe's shape: paid (amount_paid) or failed (open, amount_due, one attempt made).</summary>
    public static JsonObject Invoice(string customer, long amount, bool paid, string? subscription = null) => new()
    {
        ["id"] = $"in_fake{Guid.NewGuid():N}"[..24], ["object"] = "invoice", ["customer"] = customer, ["currency"] = "eur",
        ["amount_due"] = amount, ["amount_paid"] = paid ? amount : 0, ["amount_remaining"] = paid ? 0 : amount, ["attempt_count"] = 1,
        ["attempted"] = true, ["billing_reason"] = "subscription_cycle", ["collection_method"] = "charge_automatically",
        ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), ["livemode"] = false, ["metadata"] = new JsonObject(),
        ["status"] = paid ? "paid" : "open", ["total"] = amount, ["subtotal"] = amount,
        ["parent"] = subscription is null ? null : new JsonObject
        {
            ["type"] = "subscription_details", ["quote_details"] = null,
            ["subscription_details"] = new JsonObject { ["metadata"] = null, ["subscription"] = subscription },
        },
    };

    /// <summary>
    /// Posts <paramref name="data"/> as a Stripe event of <paramref name="type"/> created at <paramref name="created"/> to <paramref name="url"/>,
    /// signed at <paramref name="signedAt"/> (the receiver's wall clock) with the endpoint's secret, as Stripe signs.
    /// </summary>
    public static async Task<HttpResponseMessage> EmitAsync(HttpClient client, string url, string type, JsonObject data, DateTimeOffset created,
        DateTimeOffset signedAt, string signingSecret)
    {
        var payload = Features.Stripe.StripeEvents.Event(type, data, created);
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(payload, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("Stripe-Signature", Features.Stripe.StripeEvents.Sign(payload, signedAt, signingSecret));
        return await client.SendAsync(request);
    }

    /// <summary>Fails the next POST (an update or a create) only; reads go through.</summary>
    public void FailNextPost(StripeFailure failure)
    {
        lock (_lock) _updateFailures.Enqueue(failure);
    }

    public void FailNext(int count, StripeFailure failure)
    {
        lock (_lock)
            for (var i = 0; i < count; i++)
                _failures.Enqueue(failure);
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var form = request.HasFormContentType
            ? (await request.ReadFormAsync()).ToDictionary(f => f.Key, f => f.Value.ToString())
            : new Dictionary<string, string>();
        var key = request.Headers["Idempotency-Key"].FirstOrDefault();
        StripeFailure? failure;
        lock (_lock)
            failure = request.Method == "POST" && _updateFailures.Count > 0 ? _updateFailures.Dequeue() : _failures.Count > 0 ? _failures.Dequeue() : null;
        var (status, body) = failure switch
        {
            StripeFailure.ServerError => (500, Error("api_error", "An unknown error occurred.")),
            StripeFailure.RateLimited => (429, Error("rate_limit_error", "Too many requests hit the API too quickly.")),
            StripeFailure.Timeout => await AnswerTooLateAsync(request, form, key, context),
            _ => Answer(request, form, key),
        };
        if (Delay > TimeSpan.Zero)
            await Task.Delay(Delay);
        Calls.Enqueue(new StripeCall(request.Method, request.Path, form, key, status));
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body);
    }

    // The worst kind of timeout: Stripe did the work, and the answer never reached the caller in time.
    private async Task<(int, string)> AnswerTooLateAsync(HttpRequest request, Dictionary<string, string> form, string? key, HttpContext context)
    {
        var answer = Answer(request, form, key);
        await Task.Delay(TimeSpan.FromSeconds(5), context.RequestAborted).ContinueWith(_ => { });
        return answer;
    }

    private (int, string) Answer(HttpRequest request, Dictionary<string, string> form, string? key)
    {
        if (request.Headers.Authorization.ToString() != $"Bearer {SecretKey}")
            return (401, Error("invalid_request_error", "Invalid API Key provided: sk_test_****"));
        lock (_lock)
        {
            var fingerprint = $"{request.Method} {request.Path} " + string.Join("&", form.OrderBy(f => f.Key).Select(f => $"{f.Key}={f.Value}"));
            if (key is not null && _idempotent.TryGetValue(key, out var first))
                return first.Fingerprint == fingerprint
                    ? (first.Status, first.Body)
                    : (400, Error("idempotency_error", $"Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request."));
            var answer = Route(request.Method, request.Path.Value!, form);
            if (key is not null && request.Method == "POST" && answer.Item1 < 500)
                _idempotent[key] = (fingerprint, answer.Item1, answer.Item2);
            return answer;
        }
    }

    private (int, string) Route(string method, string path, Dictionary<string, string> form)
    {
        var parts = path.Trim('/').Split('/');
        switch (method, parts)
        {
            case ("GET", ["v1", "balance"]):
                return (200, """{"object":"balance","available":[{"amount":0,"currency":"usd","source_types":{"card":0}}],"connect_reserved":[{"amount":0,"currency":"usd"}],"livemode":false,"pending":[{"amount":0,"currency":"usd","source_types":{"card":0}}]}""");
            case ("POST", ["v1", "customers", var customer, "balance_transactions"]):
                if (!_balances.TryGetValue(customer, out var balance))
                    return (404, Error("invalid_request_error", $"No such customer: '{customer}'", "resource_missing", "customer"));
                var amount = long.Parse(form["amount"]);
                _balances[customer] = balance + amount;
                var transaction = new JsonObject
                {
                    ["amount"] = amount, ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), ["credit_note"] = null, ["currency"] = form["currency"],
                    ["customer"] = customer, ["description"] = form.GetValueOrDefault("description"), ["ending_balance"] = balance + amount,
                    ["id"] = $"cbtxn_fake{Interlocked.Increment(ref _ids):D6}", ["invoice"] = null, ["livemode"] = false, ["metadata"] = Metadata(form),
                    ["object"] = "customer_balance_transaction", ["type"] = "adjustment", ["checkout_session"] = null, ["customer_account"] = null,
                };
                BalanceTransactions.Add(transaction);
                return (200, transaction.ToJsonString());
            case ("POST", ["v1", "coupons"]):
                var coupon = new JsonObject
                {
                    ["amount_off"] = null, ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), ["currency"] = null, ["duration"] = form["duration"],
                    ["duration_in_months"] = form.TryGetValue("duration_in_months", out var months) ? int.Parse(months) : null,
                    ["id"] = form.GetValueOrDefault("id") ?? $"fakecoupon{Interlocked.Increment(ref _ids):D6}", ["livemode"] = false,
                    ["max_redemptions"] = form.TryGetValue("max_redemptions", out var max) ? int.Parse(max) : null, ["metadata"] = Metadata(form),
                    ["name"] = form.GetValueOrDefault("name"), ["object"] = "coupon", ["percent_off"] = decimal.Parse(form["percent_off"]),
                    ["redeem_by"] = null, ["times_redeemed"] = 0, ["valid"] = true,
                };
                Coupons.Add(coupon);
                return (200, coupon.ToJsonString());
            case ("POST", ["v1", "promotion_codes"]):
                if (form.GetValueOrDefault("promotion[type]") != "coupon" || !Coupons.Any(c => (string?)c["id"] == form.GetValueOrDefault("promotion[coupon]")))
                    return (400, Error("invalid_request_error", "promotion[coupon] must name an existing coupon.", "resource_missing", "promotion[coupon]"));
                var code = new JsonObject
                {
                    ["active"] = true, ["code"] = form.GetValueOrDefault("code") ?? $"FAKE{Interlocked.Increment(ref _ids):D6}",
                    ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), ["customer"] = form.GetValueOrDefault("customer"),
                    ["expires_at"] = form.TryGetValue("expires_at", out var expires) ? long.Parse(expires) : null,
                    ["id"] = $"promo_fake{Interlocked.Increment(ref _ids):D6}", ["livemode"] = false,
                    ["max_redemptions"] = form.TryGetValue("max_redemptions", out var uses) ? int.Parse(uses) : null, ["metadata"] = Metadata(form),
                    ["object"] = "promotion_code",
                    ["restrictions"] = new JsonObject { ["first_time_transaction"] = false, ["minimum_amount"] = null, ["minimum_amount_currency"] = null },
                    ["times_redeemed"] = 0, ["promotion"] = new JsonObject { ["coupon"] = form["promotion[coupon]"], ["type"] = "coupon" },
                    ["customer_account"] = null,
                };
                PromotionCodes.Add(code);
                return (200, code.ToJsonString());
            case ("GET", ["v1", "subscriptions", var id]):
                return Subscriptions.TryGetValue(id, out var found) ? (200, found.ToJsonString()) : NoSuchSubscription(id);
            case ("POST", ["v1", "subscriptions", var id]):
                if (!Subscriptions.TryGetValue(id, out var subscription))
                    return NoSuchSubscription(id);
                SubscriptionUpdates.Add((id, form));
                return (200, Update(subscription, form).ToJsonString());
            default:
                return (404, Error("invalid_request_error", $"Unrecognized request URL ({method}: {path}).", "resource_missing"));
        }
    }

    private static (int, string) NoSuchSubscription(string id) =>
        (404, Error("invalid_request_error", $"No such subscription: '{id}'", "resource_missing", "id"));

    // Stripe's update: pause_collection (behavior, resumes_at; empty clears it), trial_end (a time or "now"), metadata merged.
    private static JsonObject Update(JsonObject subscription, Dictionary<string, string> form)
    {
        if (form.TryGetValue("pause_collection", out var cleared) && cleared == "")
            subscription["pause_collection"] = null;
        if (form.TryGetValue("pause_collection[behavior]", out var behavior))
            subscription["pause_collection"] = new JsonObject
            {
                ["behavior"] = behavior, ["resumes_at"] = form.TryGetValue("pause_collection[resumes_at]", out var resumes) ? long.Parse(resumes) : null,
            };
        if (form.TryGetValue("trial_end", out var trialEnd))
        {
            var end = trialEnd == "now" ? DateTimeOffset.UtcNow.ToUnixTimeSeconds() : long.Parse(trialEnd);
            subscription["trial_end"] = end;
            subscription["status"] = end > DateTimeOffset.UtcNow.ToUnixTimeSeconds() ? "trialing" : "active";
        }
        foreach (var (name, value) in Metadata(form))
            subscription["metadata"]![name] = value?.DeepClone();
        return subscription;
    }

    private static JsonObject Metadata(Dictionary<string, string> form)
    {
        var metadata = new JsonObject();
        foreach (var (name, value) in form.Where(f => f.Key.StartsWith("metadata[")))
            metadata[name["metadata[".Length..^1]] = value;
        return metadata;
    }

    private static string Error(string type, string message, string? code = null, string? param = null) =>
        JsonSerializer.Serialize(new { error = new { type, message, code, param } });

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
