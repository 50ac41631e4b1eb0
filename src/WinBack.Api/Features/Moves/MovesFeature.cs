using WinBack.Api.Infrastructure.Hosting;

namespace WinBack.Api.Features.Moves;

/// <summary>
/// Moving a tenant between shards (#24): the job (<see cref="MoveWorker"/> runs <see cref="MoveRun"/>'s steps, recorded in
/// <see cref="TenantMoves"/> in the master), the copy mechanics (<see cref="TenantCopier"/>) and the target's marks (<see cref="CopyMarks"/>).
/// </summary>
public sealed class MovesFeature : IFeature
{
    public void Register(FeatureContext feature)
    {
        feature.Store(options => options.Storage.ExtendedSchemaObjects.Add(CopyMarks.Table()));
        feature.PlatformTable(TenantMoves.Table());
        feature.Services.AddSingleton<TenantCopier>();
        feature.Services.AddSingleton<TenantMoves>();
        feature.Services.AddSingleton<MoveRun>();
        feature.Services.AddSingleton<MoveSignal>();
        if (feature.RunsWorker)
            feature.Services.AddHostedService<MoveWorker>();
    }
}
