using System.Text.Json.Nodes;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Infrastructure;
using WinBack.Domain.Webhooks;
using static WinBack.Api.Tests.Features.SaveOffers.SaveOfferRequests;

namespace WinBack.Api.Tests.Features.Webhooks;

/// <summary>
/// A test tenant's life through the real API, once for the whole table: a rule, a lapse and its reward, a return, a
/// redemption, a revoked reward, a reward that nears its expiry and expires, save offers accepted (and saved after a payment) and
/// declined. One endpoint subscribes to every type by name.
/// </summary>
public sealed class EveryTypeScenario : IAsyncLifetime
{
    private readonly WinBackApp _app = new();
    private WebhookReceiver? _receiver;

    public IReadOnlyList<ReceivedWebhook> Received { get; private set; } = [];

    public async Task InitializeAsync()
    {
        await _app.InitializeAsync();
        _receiver = await WebhookReceiver.StartAsync();
        var tenant = await _app.CreateTenantAsync();
        await tenant.CreateEndpointAsync(_receiver.Url, [.. WebhookEventTypes.Subscribable]);
        var start = await tenant.ReadClockAsync();

        await tenant.CreateActiveAsync(RuleRequests.Simple());                     // rule.updated
        await tenant.CreateActiveAsync(SaveRule(Pause(30), ["too_expensive"], priority: 20));
        await tenant.ActivityAsync("cus_save", "login");
        var save = (await tenant.PresentAsync("cus_save", "too_expensive", "sub_1")).GetProperty("id").GetString()!; // save_offer.presented
        (await tenant.AnswerAsync(save, "accept")).EnsureSuccessStatusCode();     // save_offer.accepted
        await tenant.ActivityAsync("cus_refuse", "login");
        (await tenant.AnswerAsync((await tenant.PresentAsync("cus_refuse", "too_expensive", "sub_2")).GetProperty("id").GetString()!, "decline"))
            .EnsureSuccessStatusCode();                                           // save_offer.declined
        await tenant.ActivityAsync("cus_back", "purchase", start, amount: 2500);
        await tenant.AdvanceAsync(start.AddDays(90).AddMinutes(10));             // customer.lapsed, reward.issued
        await tenant.ActivityAsync("cus_save", "purchase", amount: 900);         // paid after the pause: save_offer.saved at the next advance
        var won = (await tenant.RewardsAsync("cus_back")).Single().GetProperty("id").GetString()!;
        await tenant.ActivityAsync("cus_back", "purchase", amount: 1500);        // customer.reactivated
        await tenant.RedeemAsync(won, "order-1", 400);                           // reward.redeemed
        var mistaken = await tenant.IssueCreditAsync("cus_mistake");
        (await tenant.Admin.PostAsync($"/v1/rewards/{mistaken}/revoke",
            RuleRequests.Json(new JsonObject { ["reason"] = "Issued by mistake." }))).EnsureSuccessStatusCode(); // reward.revoked
        await tenant.AdvanceAsync(start.AddDays(90 + 31));                       // reward.expiring_soon, reward.expired

        try
        {
            Received = await _receiver.WaitForAsync(r => WebhookEventTypes.Subscribable.All(t => r.Any(w => w.Type == t)), "every type");
        }
        catch (TimeoutException)
        {
            Received = _receiver.Received; // each missing type fails its own row below
        }
    }

    public async Task DisposeAsync()
    {
        if (_receiver is not null)
            await _receiver.DisposeAsync();
        await _app.DisposeAsync();
    }
}

public sealed class WebhookEveryTypeTests(EveryTypeScenario scenario) : IClassFixture<EveryTypeScenario>
{
    public static TheoryData<string> SubscribableTypes => new(WebhookEventTypes.Subscribable);

    [Theory]
    [MemberData(nameof(SubscribableTypes))]
    public void Every_subscribable_type_is_produced_by_the_product_and_delivered_to_an_endpoint_that_subscribed_to_it(string type) =>
        scenario.Received.Select(r => r.Type).ShouldContain(type);
}
