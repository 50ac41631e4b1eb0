using System.Collections.Concurrent;
using System.Net;
using WinBack.Api.Tests.Infrastructure;
using WinBack.Client;
using WinBack.Client.Generated;
using WinBack.Client.Generated.Models;
using WinBack.Client.Webhooks;

namespace WinBack.Api.Tests.Clients;

/// <summary>The README's walkthrough through the generated client (WinBack.Client) against the real service.</summary>
public sealed class WinBackClientTests(WinBackApp app) : IClassFixture<WinBackApp>
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-11-24T09:00:00Z");

    [Fact]
    public async Task The_walkthrough_runs_through_the_client_from_tenant_to_report_and_a_verified_webhook()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var platform = Client(WinBackApp.PlatformKey);

        // 1-2. A tenant, and a key for the checkout service.
        var tenant = (await platform.V1.Tenants.PostAsync(new CreateTenantRequest { Name = "acme", Mode = TenantMode.Test }))!;
        var admin = Client(tenant.ApiKeys!.Single(k => k.Scope == ApiKeyScope.Admin).Secret!);
        var key = (await admin.V1.ApiKeys.PostAsync(new CreateApiKeyRequest { Scope = ApiKeyScope.Ingest, Description = "checkout service" }))!;
        key.Secret!.ShouldStartWith("wb_test_");
        var ingest = Client(key.Secret);

        // 5. Activity.
        var purchase = (await ingest.V1.Customers["cus_4711"].Activities.PostAsync(new RecordActivityRequest
        {
            Type = ActivityType.Purchase, Amount = 4990, Currency = "eur", ExternalId = "order-A-1001",
        }))!;
        purchase.Duplicate.ShouldBe(false);

        // 12 (early, to receive what follows). A receiver for reward.issued, whose secret is shown once.
        var endpoint = (await admin.V1.WebhookEndpoints.PostAsync(new CreateWebhookEndpointRequest { Url = receiver.Url, Events = [WebhookEventSubscription.RewardIssued] }))!;
        endpoint.Secret!.ShouldStartWith("whsec_");

        // 9. A rule, activated.
        var rule = (await admin.V1.Rules.PostAsync(new CreateRuleRequest
        {
            Name = "90-day win-back", Priority = 10,
            Trigger = Inactivity(90),
            Reward = Credit(1000),
        }))!;
        (await admin.V1.Rules[rule.Id!].Activate.PostAsync())!.Status.ShouldBe(RuleStatus.Active);

        // 10. The test clock runs the sweeps; the customer lapses and is rewarded; part of the reward is redeemed.
        (await admin.V1.TestClock.Advance.PostAsync(new AdvanceTestClockRequest { To = T0.AddDays(100) }))!.Now.ShouldBe(T0.AddDays(100));
        var reward = (await ingest.V1.Customers["cus_4711"].Rewards.GetAsync())!.Data!.ShouldHaveSingleItem();
        reward.RuleId.ShouldBe(rule.Id);
        reward.Remaining.ShouldBe(1000);
        var redemption = (await ingest.V1.Rewards[reward.Id!].Redemptions.PostAsync(new RedeemRewardRequest { OrderId = "A-2001", Amount = 300, Currency = "eur" }))!;
        redemption.Amount.ShouldBe(300);
        (await ingest.V1.Rewards[reward.Id!].GetAsync())!.Remaining.ShouldBe(700);

        // 11. The report, as JSON and as CSV through the same builder.
        var report = await Eventually.ReadAsync(
            () => admin.V1.Reports.Reactivation.GetAsync(q => q.QueryParameters.GroupBy = ReactivationReportGroupBy.Rule),
            r => r!.Rows!.Any(row => row.RuleId == rule.Id && row.Lapsed == 1), "the rule's row with one lapse");
        report!.Rows!.Single(row => row.RuleId == rule.Id).Rewarded.ShouldBe(1);
        var csv = await admin.ReadCsvAsync(admin.V1.Reports.Reactivation.ToGetRequestInformation(q => q.QueryParameters.GroupBy = ReactivationReportGroupBy.Rule));
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldStartWith("rule,");
        lines.ShouldContain(line => line.Contains(rule.Id!));

        // 12. The reward.issued delivery, verified by WinBack.Client.Webhooks on the service's (fake) clock.
        var delivered = (await receiver.WaitForAsync(r => r.Any(w => w.Type == "reward.issued"), "reward.issued")).First(w => w.Type == "reward.issued");
        var (issued, data) = new WebhookVerifier(endpoint.Secret, clock: app.Clock)
            .Read(delivered.Id, delivered.Timestamp, delivered.Signature, delivered.Body, RewardIssuedWebhook_data.CreateFromDiscriminatorValue);
        issued.Type.ShouldBe(WebhookEventType.RewardIssued);
        issued.CustomerId.ShouldBe("cus_4711");
        issued.Id.ShouldBe(delivered.Id);
        (data.RewardId, data.RuleId, data.Amount, data.Currency).ShouldBe((reward.Id, rule.Id, 1000L, "eur"));
    }

    [Fact]
    public async Task A_problem_answer_is_one_WinBackApiException_with_its_code_and_field()
    {
        var (admin, _) = await TenantAsync();

        var invalid = await Should.ThrowAsync<WinBackApiException>(() => admin.V1.Rules.PostAsync(new CreateRuleRequest
        {
            Name = "broken", Priority = 10,
            Trigger = Inactivity(0),
            Reward = Credit(1000),
        }));
        invalid.Status.ShouldBe(400);
        invalid.Code.ShouldBe("validation_failed");
        invalid.Errors["trigger.days"].ShouldHaveSingleItem().ShouldNotBeNullOrWhiteSpace();

        var missing = await Should.ThrowAsync<WinBackApiException>(() => admin.V1.Rewards["rwd_missing"].GetAsync());
        (missing.Status, missing.Code).ShouldBe((404, "resource_missing"));
    }

    [Fact]
    public async Task A_POST_retried_after_a_lost_answer_is_replayed_under_its_default_key_not_done_twice()
    {
        var (_, adminKey) = await TenantAsync();
        var lossy = new LoseFirstAnswer();
        var admin = Client(adminKey, lossy);

        var created = (await admin.V1.Rules.PostAsync(Rule("retried")))!;
        var mine = (await admin.V1.Rules.PostAsync(Rule("given key"), r => r.Headers.Add(IdempotencyKeyHandler.Header, "caller-given-key")))!;

        var attempts = lossy.Attempts.Where(a => a.Path == "/v1/rules").ToList();
        attempts.Count.ShouldBe(3); // the first rule twice (its answer lost once), the second once
        attempts[0].Key.ShouldNotBeNullOrEmpty();
        attempts[1].Key.ShouldBe(attempts[0].Key);
        (attempts[0].Status, attempts[0].Replayed).ShouldBe((201, false));
        (attempts[1].Status, attempts[1].Replayed).ShouldBe((201, true));
        attempts[2].Key.ShouldBe("caller-given-key");
        var rules = (await admin.V1.Rules.GetAsync())!.Data!;
        rules.Select(r => r.Id).ShouldBe([mine.Id, created.Id], ignoreOrder: true);
    }

    [Fact]
    public async Task Pagination_walks_every_page()
    {
        var (_, adminKey) = await TenantAsync();
        var admin = Client(adminKey);
        var ids = Enumerable.Range(1, 25).Select(i => $"cus_{i:D2}").ToList();
        var batch = (await admin.V1.Activities.Batch.PostAsync(new RecordActivitiesBatchRequest
        {
            Activities = ids.Select(id => new BatchActivity { CustomerId = id, Type = ActivityType.Login }).ToList(),
        }))!;
        batch.Results!.ShouldAllBe(r => r.Status == BatchItemStatus.Created);

        var pages = 0;
        var seen = new List<string>();
        await foreach (var customer in WinBackPages.AllAsync(async (CustomerView? last, CancellationToken ct) =>
        {
            pages++;
            return await admin.V1.Customers.GetAsync(q => { q.QueryParameters.Limit = 10; q.QueryParameters.StartingAfter = last?.Id; }, ct);
        }))
            seen.Add(customer.Id!);

        seen.ShouldBe(ids);
        pages.ShouldBe(3);
    }

    private WinBackApiClient Client(string key, params DelegatingHandler[] inner) =>
        WinBackClient.Create("http://localhost", key, app.CreateDefaultClient([.. WinBackClient.CreateHandlers(), .. inner]));

    private async Task<(WinBackApiClient Admin, string AdminKey)> TenantAsync()
    {
        var tenant = await app.CreateTenantAsync();
        return (Client(tenant.AdminKey.Secret), tenant.AdminKey.Secret);
    }

    private static CreateRuleRequest Rule(string name) => new()
    {
        Name = name, Priority = 10,
        Trigger = Inactivity(90),
        Reward = Credit(1000),
    };

    private static RuleTrigger Inactivity(int days) =>
        new() { InactivityTrigger = new InactivityTrigger { Days = days } };

    private static RuleReward Credit(long amount) => new()
    {
        AccountCreditReward = new AccountCreditReward { Amount = amount, Currency = "eur", ExpiresInDays = 30 },
    };

    /// <summary>Inside the client's retry handler: lets the first POST reach the service, then loses its answer (a 503, as
    /// a proxy would give), so the client retries. Records every attempt the service answered.</summary>
    private sealed class LoseFirstAnswer : DelegatingHandler
    {
        private int _lost;

        public ConcurrentQueue<(string Path, string? Key, int Status, bool Replayed)> Attempts { get; } = new();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            // The test server reads a StreamContent without marking it read, so Kiota's retry would copy it from its end (an
            // empty body); a socket transport marks it and the copy rewinds. Buffered, it reads the same every time.
            if (request.Content is { } content)
                await content.LoadIntoBufferAsync(cancellationToken);
            var response = await base.SendAsync(request, cancellationToken);
            if (request.Method != HttpMethod.Post)
                return response;
            Attempts.Enqueue((request.RequestUri!.AbsolutePath,
                request.Headers.TryGetValues(IdempotencyKeyHandler.Header, out var keys) ? keys.Single() : null,
                (int)response.StatusCode, response.Headers.Contains("Idempotent-Replayed")));
            if (Interlocked.Exchange(ref _lost, 1) == 1)
                return response;
            response.Dispose();
            var lost = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { RequestMessage = request };
            lost.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.Zero);
            return lost;
        }
    }
}
