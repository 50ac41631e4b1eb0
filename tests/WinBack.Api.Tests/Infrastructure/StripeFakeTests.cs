using Stripe;

namespace WinBack.Api.Tests.Infrastructure;

/// <summary>The fake keeps the promises WinBack's exactly-once claim rests on, checked through the real Stripe.net client.</summary>
public sealed class StripeFakeTests
{
    [Fact]
    public async Task The_same_idempotency_key_replays_the_first_answer_and_other_parameters_get_idempotency_error()
    {
        await using var fake = await StripeFake.StartAsync();
        fake.AddCustomer("cus_Idem");
        var client = new StripeClient(new StripeClientOptions
        {
            ApiKey = StripeFake.SecretKey, ApiBase = fake.ApiBase, HttpClient = new SystemNetHttpClient(new HttpClient(), maxNetworkRetries: 0),
        });
        var service = new CustomerBalanceTransactionService(client);
        var options = new CustomerBalanceTransactionCreateOptions { Amount = -500, Currency = "eur" };
        var first = await service.CreateAsync("cus_Idem", options, new RequestOptions { IdempotencyKey = "k1" });
        var replay = await service.CreateAsync("cus_Idem", options, new RequestOptions { IdempotencyKey = "k1" });
        replay.Id.ShouldBe(first.Id);
        fake.Balance("cus_Idem").ShouldBe(-500);

        var refused = await Should.ThrowAsync<StripeException>(() =>
            service.CreateAsync("cus_Idem", new CustomerBalanceTransactionCreateOptions { Amount = -900, Currency = "eur" }, new RequestOptions { IdempotencyKey = "k1" }));
        ((int)refused.HttpStatusCode).ShouldBe(400);
        refused.StripeError.Type.ShouldBe("idempotency_error");

        fake.FailNext(1, StripeFailure.RateLimited);
        ((int)(await Should.ThrowAsync<StripeException>(() => service.CreateAsync("cus_Idem", options, new RequestOptions { IdempotencyKey = "k2" })))
            .HttpStatusCode).ShouldBe(429);
        (await service.CreateAsync("cus_Idem", options, new RequestOptions { IdempotencyKey = "k2" })).Id.ShouldNotBe(first.Id);
        fake.Balance("cus_Idem").ShouldBe(-1000);
        await Should.ThrowAsync<StripeException>(() => service.CreateAsync("cus_Nobody", options));
    }
}
