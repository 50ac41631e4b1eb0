using Marten;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Http;
using WinBack.Domain.Common;
using WinBack.Domain.Customers;

namespace WinBack.Api.Features.Customers;

/// <summary>
/// A customer's hot state, stored by <see cref="CustomerEventWriter"/> in the transaction of the events it decided.
/// It stays small however long the customer's history: <see cref="Customer.Rewards"/> and <see cref="Customer.Episodes"/>
/// are empty here and live in <see cref="CustomerHistory"/>; <see cref="CustomerState"/> reads both.
/// Stored in <see cref="CustomerSummaryTable"/> and read through <see cref="CustomerSummaries"/>.
/// </summary>
[Published]
public sealed class CustomerSummary : IHasId
{
    public required string Id { get; init; }
    public required Customer State { get; init; }
    /// <summary>The stream version this state folds up to; writers append expecting it.</summary>
    public long Version { get; init; }
    /// <summary>The reward balance at the last change of the history, so that a view of the customer needs no history.</summary>
    public IReadOnlyDictionary<string, long>? Balance { get; init; }
}

/// <summary>A customer's history: every reward and lapse episode. Read only by the writes and views that need it.</summary>
public sealed class CustomerHistory : IHasId
{
    public required string Id { get; init; }
    public IReadOnlyList<RewardState> Rewards { get; init; } = [];
    public IReadOnlyList<EpisodeFacts> Episodes { get; init; } = [];
}

/// <summary>The whole of a customer's state, hot state and history, for the readers that need the rewards or episodes.</summary>
[Published]
public static class CustomerState
{
    public static async Task<Customer?> LoadAsync(IQuerySession session, string customerId, CancellationToken ct)
    {
        var batch = session.CreateBatchQuery();
        var summary = CustomerSummaryTable.QueueRead(batch, session, [customerId]);
        var history = batch.Load<CustomerHistory>(customerId);
        await batch.Execute(ct);
        return Combine((await summary).SingleOrDefault(), await history);
    }

    /// <summary>A summary stored before the split still carries its history in its state; one without a history document has none yet.</summary>
    internal static Customer? Combine(CustomerSummary? summary, CustomerHistory? history) =>
        summary is null ? null : history is null ? summary.State : summary.State.WithHistory(history.Rewards, history.Episodes);
}
