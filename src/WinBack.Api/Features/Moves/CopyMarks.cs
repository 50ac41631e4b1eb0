using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Weasel.Postgresql.Tables;
using WinBack.Api.Infrastructure.Marten;
using WinBack.Api.Infrastructure.Hosting;

namespace WinBack.Api.Features.Moves;

/// <summary>
/// Tenants whose events are being copied onto this shard (<c>tenant_copy_mark</c>, on the target). The copies are history the
/// source has already sent, so this shard's outbox subscriptions skip them: no webhook and no Stripe call goes out twice. They
/// would fail besides: Marten refuses the tenant on a shard it is not assigned to, which would stop the outbox for every tenant
/// there. <c>through_seq</c> null skips all of the tenant's events; the move job sets it to the last copied one at the flip.
/// </summary>
[Published]
public static class CopyMarks
{
    public const string TableName = MartenSetup.SchemaName + ".tenant_copy_mark";

    public static Table Table()
    {
        var table = new Table(TableName);
        table.AddColumn<string>("tenant_id").AsPrimaryKey();
        table.AddColumn<long>("through_seq");
        return table;
    }

    /// <summary>Which events of the page are copies, read in the subscription's own session (one query per page).</summary>
    public static async Task<Func<IEvent, bool>> CopiesAsync(IDocumentOperations operations, EventRange page, CancellationToken ct)
    {
        var tenants = page.Events.Select(e => e.TenantId).Distinct().ToArray();
        var marks = await operations.AdvancedSql.QueryAsync<string>(
            $"select tenant_id || ':' || coalesce(through_seq::text, '') from {TableName} where tenant_id = any(?)", ct, (object)tenants);
        if (marks.Count == 0)
            return _ => false;
        var through = marks.Select(m => m.Split(':')).ToDictionary(m => m[0], m => m[1] == "" ? long.MaxValue : long.Parse(m[1]));
        return e => through.TryGetValue(e.TenantId, out var last) && e.Sequence <= last;
    }
}
