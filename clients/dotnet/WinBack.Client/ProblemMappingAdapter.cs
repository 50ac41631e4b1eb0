using Microsoft.Kiota.Abstractions;
using Microsoft.Kiota.Abstractions.Serialization;
using Microsoft.Kiota.Abstractions.Store;
using WinBack.Client.Generated.Models;

namespace WinBack.Client;

/// <summary>
/// The generated client maps each documented problem status to <see cref="ApiProblem"/>; this adds the same mapping for
/// any other 4xx/5xx (so no problem body is lost to Kiota's bodiless fallback) and throws one <see cref="WinBackApiException"/>.
/// </summary>
internal sealed class ProblemMappingAdapter(IRequestAdapter inner) : IRequestAdapter
{
    private static readonly ParsableFactory<IParsable> Problem = ApiProblem.CreateFromDiscriminatorValue;

    public ISerializationWriterFactory SerializationWriterFactory => inner.SerializationWriterFactory;

    public string? BaseUrl { get => inner.BaseUrl; set => inner.BaseUrl = value; }

    public void EnableBackingStore(IBackingStoreFactory backingStoreFactory) => inner.EnableBackingStore(backingStoreFactory);

    public Task<T?> ConvertToNativeRequestAsync<T>(RequestInformation requestInfo, CancellationToken cancellationToken = default) =>
        inner.ConvertToNativeRequestAsync<T>(requestInfo, cancellationToken);

    public Task<ModelType?> SendAsync<ModelType>(RequestInformation requestInfo, ParsableFactory<ModelType> factory,
        Dictionary<string, ParsableFactory<IParsable>>? errorMapping = null, CancellationToken cancellationToken = default)
        where ModelType : IParsable =>
        Mapped(() => inner.SendAsync(requestInfo, factory, WithProblems(errorMapping), cancellationToken));

    public Task<IEnumerable<ModelType>?> SendCollectionAsync<ModelType>(RequestInformation requestInfo, ParsableFactory<ModelType> factory,
        Dictionary<string, ParsableFactory<IParsable>>? errorMapping = null, CancellationToken cancellationToken = default)
        where ModelType : IParsable =>
        Mapped(() => inner.SendCollectionAsync(requestInfo, factory, WithProblems(errorMapping), cancellationToken));

    public Task<ModelType?> SendPrimitiveAsync<ModelType>(RequestInformation requestInfo,
        Dictionary<string, ParsableFactory<IParsable>>? errorMapping = null, CancellationToken cancellationToken = default) =>
        Mapped(() => inner.SendPrimitiveAsync<ModelType>(requestInfo, WithProblems(errorMapping), cancellationToken));

    public Task<IEnumerable<ModelType>?> SendPrimitiveCollectionAsync<ModelType>(RequestInformation requestInfo,
        Dictionary<string, ParsableFactory<IParsable>>? errorMapping = null, CancellationToken cancellationToken = default) =>
        Mapped(() => inner.SendPrimitiveCollectionAsync<ModelType>(requestInfo, WithProblems(errorMapping), cancellationToken));

    public Task SendNoContentAsync(RequestInformation requestInfo, Dictionary<string, ParsableFactory<IParsable>>? errorMapping = null,
        CancellationToken cancellationToken = default) =>
        Mapped(async () =>
        {
            await inner.SendNoContentAsync(requestInfo, WithProblems(errorMapping), cancellationToken).ConfigureAwait(false);
            return true;
        });

    private static Dictionary<string, ParsableFactory<IParsable>> WithProblems(Dictionary<string, ParsableFactory<IParsable>>? documented)
    {
        var mapping = documented is null ? new Dictionary<string, ParsableFactory<IParsable>>() : new(documented);
        mapping.TryAdd("4XX", Problem);
        mapping.TryAdd("5XX", Problem);
        return mapping;
    }

    private static async Task<T> Mapped<T>(Func<Task<T>> send)
    {
        try
        {
            return await send().ConfigureAwait(false);
        }
        catch (ApiProblem problem)
        {
            throw WinBackApiException.From(problem);
        }
    }
}
