using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using Marten;
using Npgsql;
using Microsoft.Extensions.Options;
using WinBack.Api.Features.Risk;
using WinBack.Api.Infrastructure.Hosting;
using WinBack.Api.Infrastructure.Postgres;
using WinBack.Domain.Common;
using WinBack.Domain.Customers;
using WinBack.Domain.Rules;

namespace WinBack.Api.Features.Rules;

/// <summary>
/// Runs a backtest: streams the tenant's customer events in sequence order into the domain's <see cref="BacktestReplay"/>. Only
/// activities, profiles and imports are read (the engine's lapses and rewards are not the backtest's to see); nothing is written
/// but the job, and nothing is sent. A reader task reads and deserializes the events while the replay folds the ones before:
/// they meet in a bounded channel, so memory holds a few batches of events, never the period's.
/// </summary>
public sealed class BacktestRunner(IDocumentStore store, RiskCrossings crossings, IOptions<WinBackOptions> options)
{
    private const int BatchSize = 1024, BatchesAhead = 8;
    // Every stored type of an activity (found by the domain's scan), then the profile changes and imports.
    private static readonly Type[] Replayed = [.. DomainEvents.Of<ActivityRecorded>(), typeof(ProfileUpdated), typeof(CustomerImported)];

    public async Task<BacktestResult> RunAsync(BacktestJob job, CancellationToken ct)
    {
        var context = await crossings.ContextAsync(job.TenantId, ct);
        var replay = new BacktestReplay(job.TenantId, job.RuleId ?? PreviewRuleDefinitionEndpoint.InlineRuleId, job.Definition, job.From, job.To,
            context, options.Value.Engine.SweepInterval);
        var batches = Channel.CreateBounded<ICustomerEvent[]>(new BoundedChannelOptions(BatchesAhead) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var reading = Task.Run(() => ReadAsync(job.TenantId, batches.Writer, stop.Token), stop.Token);
        try
        {
            await foreach (var batch in batches.Reader.ReadAllAsync(stop.Token))
                foreach (var e in batch)
                    replay.Apply(e);
        }
        catch
        {
            // The fold failed, or the reader did (the channel carries its failure): the other side stops too, and this failure is reported.
            await stop.CancelAsync();
            await reading.ContinueWith(_ => { }, TaskScheduler.Default);
            throw;
        }
        await reading;
        return replay.Result();
    }

    // Two columns read one row at a time (not Marten's whole event rows), the JSON as UTF-8 bytes for a source-generated deserializer.
    private async Task ReadAsync(string tenantId, ChannelWriter<ICustomerEvent[]> batches, CancellationToken ct)
    {
        try
        {
            var names = Sql.EventTypeNames(store, Replayed);
            var types = Replayed.Select(t => BacktestEventsJson.Default.GetTypeInfo(t)!).ToArray();
            await using var connection = await Sql.OpenForTenantAsync(store, tenantId, ct);
            // The type as its index in Replayed (array_position is 1-based): no string per row.
            await using var command = Sql.Command(connection,
                $"select array_position(@types, type) - 1, data from {Sql.EventsTable(store)} where tenant_id = @tenant and type = any(@types) order by seq_id",
                ("tenant", tenantId), ("types", names));
            command.CommandTimeout = 0;
            await using var reader = await command.ExecuteReaderAsync(ct);
            var batch = new List<ICustomerEvent>(BatchSize);
            var json = new ArrayBufferWriter<byte>(4096);
            while (await reader.ReadAsync(ct))
            {
                var type = types[reader.GetInt32(0)];
                batch.Add((ICustomerEvent)JsonSerializer.Deserialize(Utf8Json(reader, 1, json), type)!);
                if (batch.Count < BatchSize)
                    continue;
                await batches.WriteAsync([.. batch], ct);
                batch.Clear();
            }
            if (batch.Count > 0)
                await batches.WriteAsync([.. batch], ct);
            batches.Complete();
        }
        catch (Exception e)
        {
            batches.TryComplete(e);
            throw;
        }
    }

    // A jsonb column's text copied into one reused buffer, not an array per row. Its binary form is a version byte (1) and the text.
    private static ReadOnlySpan<byte> Utf8Json(NpgsqlDataReader reader, int ordinal, ArrayBufferWriter<byte> buffer)
    {
        buffer.ResetWrittenCount();
        using var stream = reader.GetStream(ordinal);
        int read;
        while ((read = stream.Read(buffer.GetSpan(4096))) > 0)
            buffer.Advance(read);
        var bytes = buffer.WrittenSpan;
        return bytes is [JsonbVersion, .. var text] ? text : throw new InvalidDataException("A jsonb value in a format this version cannot read.");
    }

    private const byte JsonbVersion = 1;
}

/// <summary>The customer events a backtest reads, deserialized as Marten stores them (camelCase, enums by name) without reflection.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(ActivityRecorded))]
[JsonSerializable(typeof(NonRevenueActivityRecorded))]
[JsonSerializable(typeof(UnattributedActivityRecorded))]
[JsonSerializable(typeof(ProfileUpdated))]
[JsonSerializable(typeof(CustomerImported))]
internal sealed partial class BacktestEventsJson : JsonSerializerContext;
