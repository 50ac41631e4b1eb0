using FastEndpoints;
using FluentValidation;
using WinBack.Api.Features.TestClocks;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Common;
using WinBack.Domain.Customers;

namespace WinBack.Api.Features.Customers;

public sealed class BatchActivity : ActivityInput
{
    /// <summary>Your own id for the customer.</summary>
    public string? CustomerId { get; set; }
}

public sealed class RecordActivitiesBatchRequest
{
    /// <summary>1 to 1,000 activities, each recorded on its own.</summary>
    public List<BatchActivity>? Activities { get; set; }
}

public sealed class RecordActivitiesBatchValidator : Validator<RecordActivitiesBatchRequest>
{
    public const int MaxItems = 1000;

    public RecordActivitiesBatchValidator()
    {
        RuleFor(x => x.Activities).NotNull();
        RuleFor(x => x.Activities).Must(a => a!.Count is > 0 and <= MaxItems, DocumentedRules.Items(1, MaxItems)).When(x => x.Activities is not null)
            .WithMessage($"'activities' holds 1 to {MaxItems} items.");
        RuleForEach(x => x.Activities).NotNull().WithMessage("An item of 'activities' is null.");
    }
}

/// <summary>One item of a batch, checked on its own: a bad item is rejected in its result, never the whole request.</summary>
public sealed class BatchActivityValidator : AbstractValidator<BatchActivity>
{
    public BatchActivityValidator()
    {
        this.CustomerId(x => x.CustomerId);
        Include(new ActivityInputValidator());
    }
}

public enum BatchItemStatus { Created, Duplicate, Rejected }

/// <summary>The outcome of one item, by its position in the request.</summary>
public sealed record BatchItemResult(int Index, BatchItemStatus Status, ActivityView? Activity, ApiProblem? Error);

public sealed record RecordActivitiesBatchResponse(IReadOnlyList<BatchItemResult> Results, int Created, int Duplicates, int Rejected);

public sealed class RecordActivitiesBatchEndpoint(CustomerEventWriter writer, Ids ids, TenantClock clock)
    : Endpoint<RecordActivitiesBatchRequest, RecordActivitiesBatchResponse>
{
    public override void Configure()
    {
        Post("/activities/batch");
        Roles(ApiScopes.Ingest, ApiScopes.Admin);
        Tags("Customers");
        Summary(s =>
        {
            s.Summary = "Record activities in a batch";
            s.Description = "Up to 1,000 activities for any customers. Each item is validated and stored on its own: a bad item " +
                            "is reported in its result and never blocks the others. The answer is 200 whenever the request itself " +
                            "is valid; read each item's status (created, duplicate or rejected).";
            s.ExampleRequest = new RecordActivitiesBatchRequest
            {
                Activities =
                [
                    new BatchActivity { CustomerId = "cus_4711", Type = ActivityType.Login },
                    new BatchActivity { CustomerId = "cus_4712", Type = ActivityType.Purchase, Amount = 1200 },
                ],
            };
            s.Responses[200] = "One result per item, in request order.";
            s.ResponseExamples[200] = new RecordActivitiesBatchResponse(
                [
                    new BatchItemResult(0, BatchItemStatus.Created, ActivityView.Example with { CustomerId = "cus_4711", Type = ActivityType.Login, Amount = null, Currency = null, Properties = null, ExternalId = null }, null),
                    new BatchItemResult(1, BatchItemStatus.Rejected, null, ApiProblem.Of(400, ErrorCodes.ValidationFailed, "Invalid activity",
                        "currency: 'currency' is required for purchase and refund.",
                        new Dictionary<string, string[]> { ["currency"] = ["'currency' is required for purchase and refund."] })),
                ], Created: 1, Duplicates: 0, Rejected: 1);
        });
    }

    public override async Task HandleAsync(RecordActivitiesBatchRequest request, CancellationToken ct)
    {
        var tenantId = HttpContext.Caller().RequireTenant();
        var validator = new BatchActivityValidator();
        var now = await clock.NowAsync(tenantId, ct);
        var results = new BatchItemResult[request.Activities!.Count];
        var accepted = new List<(int Index, CustomerEventWrite Write)>();

        for (var i = 0; i < results.Length; i++)
        {
            var item = request.Activities[i];
            if (validator.Validate(item).Errors is { Count: > 0 } failures)
            {
                results[i] = new BatchItemResult(i, BatchItemStatus.Rejected, null, ProblemMapping.FromValidation(failures, 400));
                continue;
            }
            try
            {
                accepted.Add((i, CustomerEventWrite.Of(tenantId, item.Decide(item.CustomerId!, ids.New("act"), now))));
            }
            catch (Exception e) when (e is DomainRuleViolated or ApiException)
            {
                results[i] = new BatchItemResult(i, BatchItemStatus.Rejected, null, ProblemMapping.FromException(e));
            }
        }

        var written = await Task.WhenAll(accepted.Select(async a =>
        {
            try
            {
                var w = await writer.WriteAsync(a.Write);
                return new BatchItemResult(a.Index, w.Duplicate ? BatchItemStatus.Duplicate : BatchItemStatus.Created,
                    ActivityView.Of(w.Activity, w.Duplicate), null);
            }
            catch (Exception e)
            {
                return new BatchItemResult(a.Index, BatchItemStatus.Rejected, null, ProblemMapping.FromException(e));
            }
        }));
        foreach (var result in written)
            results[result.Index] = result;

        await Send.OkAsync(new RecordActivitiesBatchResponse(results, results.Count(r => r.Status == BatchItemStatus.Created),
            results.Count(r => r.Status == BatchItemStatus.Duplicate), results.Count(r => r.Status == BatchItemStatus.Rejected)), ct);
    }
}
