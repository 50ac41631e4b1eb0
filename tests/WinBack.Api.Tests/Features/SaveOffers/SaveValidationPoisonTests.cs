using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using WinBack.Api.Features.SaveOffers;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Tests.Features.Engine;
using WinBack.Api.Tests.Features.Rules;
using WinBack.Api.Tests.Infrastructure;
using static WinBack.Api.Tests.Features.SaveOffers.SaveOfferRequests;

namespace WinBack.Api.Tests.Features.SaveOffers;

/// <summary>The validation of saves works per customer: one that cannot be settled fails alone, with its reason, and the others settle.</summary>
public sealed class SaveValidationPoisonTests
{
    [Fact]
    public async Task A_customer_whose_save_cannot_be_settled_fails_alone_and_the_others_are_saved_on_the_same_advance()
    {
        await using var app = new WinBackApp();
        await app.InitializeAsync();
        var tenant = await app.CreateTenantAsync();
        var start = await tenant.ReadClockAsync();
        await tenant.CreateActiveAsync(SaveRule(new JsonObject { ["type"] = "account_credit", ["amount"] = 500, ["currency"] = "eur", ["expiresInDays"] = 60 },
            ["too_expensive"]));
        var offers = new Dictionary<string, string>();
        foreach (var customer in new[] { "cus_poisoned", "cus_healthy" })
        {
            await tenant.ActivityAsync(customer, "purchase", amount: 1000);
            offers[customer] = (await tenant.PresentAsync(customer, "too_expensive", "sub_1")).GetProperty("id").GetString()!;
            (await tenant.AnswerAsync(offers[customer], "accept")).EnsureSuccessStatusCode();
        }
        // A revenue baseline no sum can start from: settling this customer's save overflows.
        await Db.ExecuteAsync(app.ConnectionString,
            "update winback.customer_summary set data = jsonb_set(data::jsonb, '{state,saveOffers,0,valueAtPresentation}', '{\"eur\": -9223372036854775800}')::text " +
            "where tenant_id = @tenant and id = 'cus_poisoned'", tenant.Id);

        await tenant.AdvanceAsync(start.AddDays(31));

        (await tenant.OfferAsync(offers["cus_healthy"])).GetProperty("status").GetString().ShouldBe("saved");
        (await tenant.OfferAsync(offers["cus_poisoned"])).GetProperty("status").GetString().ShouldBe("accepted");
        var failing = (await app.Services.GetRequiredService<BackgroundHealth>().FailingAsync(SaveValidation.CustomerLoop, CancellationToken.None, tenant.Id)).All;
        failing.ShouldHaveSingleItem().UnitId.ShouldBe("cus_poisoned");
    }
}
