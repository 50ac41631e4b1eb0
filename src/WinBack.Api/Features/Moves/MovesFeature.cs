using WinBack.Api.Infrastructure.Hosting;

namespace WinBack.Api.Features.Moves;

/// <summary>Moving a tenant between shards (#24): so far the copy mechanics (<see cref="TenantCopier"/>) and the target's marks (<see cref="CopyMarks"/>).</summary>
public sealed class MovesFeature : IFeature
{
    public void Register(FeatureContext feature)
    {
        feature.Store(options => options.Storage.ExtendedSchemaObjects.Add(CopyMarks.Table()));
        feature.Services.AddSingleton<TenantCopier>();
    }
}
