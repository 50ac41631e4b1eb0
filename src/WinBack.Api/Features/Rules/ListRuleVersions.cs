using FastEndpoints;
using FluentValidation;
using Marten;
using WinBack.Api.Infrastructure.Auth;
using WinBack.Api.Infrastructure.Errors;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Rules;

namespace WinBack.Api.Features.Rules;

public sealed class ListRuleVersionsRequest : PageRequest
{
    /// <summary>The rule's id (<c>rule_…</c>).</summary>
    [RouteParam]
    public string Id { get; set; } = "";
}

public sealed class ListRuleVersionsValidator : Validator<ListRuleVersionsRequest>
{
    public ListRuleVersionsValidator() =>
        this.AddPagingRules(c => int.TryParse(c, out var version) && version > 0, "a version number", new SchemaFacts(Pattern: "^[0-9]+$"));
}

/// <summary>One immutable version of a rule's definition.</summary>
/// <param name="Version">1 for the definition the rule was created with, +1 per revision.</param>
/// <param name="ChangedBy">The id of the API key that created or revised the rule.</param>
/// <param name="ChangedAt">When this version was made.</param>
/// <param name="Definition">The definition as it was in this version.</param>
public sealed record RuleVersionView(int Version, string ChangedBy, DateTimeOffset ChangedAt, RuleFields Definition);

public sealed class ListRuleVersionsEndpoint(IQuerySession session) : Endpoint<ListRuleVersionsRequest, Page<RuleVersionView>>
{
    public override void Configure()
    {
        Get("/rules/{id}/versions");
        Roles(ApiScopes.Admin);
        Tags("Rules");
        Summary(s =>
        {
            s.Summary = "List a rule's versions";
            s.Description = "Every version of the definition, oldest first, with the API key that made it and when. Status changes " +
                            "are not versions. Page with limit and startingAfter (the last version number of the previous page).";
            s.Responses[200] = "A page of versions.";
            s.ResponseExamples[200] = new Page<RuleVersionView>(
                [new RuleVersionView(1, "key_01jdq3w5x8k2m9v4r7t6y1z0ae", DateTimeOffset.Parse("2026-11-24T09:30:00Z"), RuleFields.Of(RuleExamples.Definition))],
                HasMore: false);
        });
    }

    public override async Task HandleAsync(ListRuleVersionsRequest request, CancellationToken ct)
    {
        var events = await session.Events.FetchStreamAsync(request.Id, token: ct);
        // The id could name a customer's stream; only a stream that starts with RuleCreated is a rule.
        if (events.FirstOrDefault()?.Data is not RuleCreated)
            throw ApiException.NotFound("rule", request.Id);
        var after = request.StartingAfter is { } cursor ? int.Parse(cursor) : 0;
        var versions = events.Select(e => e.Data switch
            {
                RuleCreated c => new RuleVersionView(1, c.CreatedBy, c.CreatedAt, RuleFields.Of(c.Definition)),
                RuleRevised r => new RuleVersionView(r.Version, r.RevisedBy, r.RevisedAt, RuleFields.Of(r.Definition)),
                _ => null,
            })
            .OfType<RuleVersionView>()
            .Where(v => v.Version > after);
        await Send.OkAsync(Paging.PageOf(versions, request), ct);
    }
}
