using AprOrleans.Grains.Decoding;
using AprOrleans.Grains.Placement;
using AprOrleans.Grains.Weights;
using AprOrleans.Interfaces.Batching;
using AprOrleans.Interfaces.Weights;
using AprOrleans.Reasoning.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Placement;
using Orleans.Runtime;

namespace AprOrleans.Grains.Batching;

/// <summary>
/// The batcher of one device on one silo. Pinned (placed by silo name, never migrated) because it owns a device
/// and its model; reentrant so that many decode requests are in flight at once and the engine can batch them;
/// kept alive because activating it loads a model. It serves the registry's current weight version: a new activation
/// (a restarted silo) loads it before serving, and the silo's weight sync switches it when a new one is published.
/// </summary>
[SiloNamePlacement, Immovable, Reentrant, KeepAlive]
public sealed partial class BatchingGrain(
    IDecoderFactory factory,
    ILocalSiloDetails silo,
    IOptions<DeviceOptions> devices,
    LocalWeightFiles weightFiles,
    ILogger<BatchingGrain> logger) : Grain, IBatchingGrain
{
    private readonly SemaphoreSlim _swap = new(1, 1);
    private IThreadDecoder? _decoder;
    private long _calls;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var key = BatcherKey.Parse(this.GetPrimaryKeyString());
        // Placement guarantees this; checking it here keeps a misconfigured director from driving the wrong machine's device.
        if (key.SiloName != silo.Name)
            throw new InvalidOperationException($"batcher '{key}' was activated on silo '{silo.Name}'");
        if (!devices.Value.Devices.Contains(key.Device, StringComparer.Ordinal))
            throw new ArgumentException(
                $"device '{key.Device}' is not configured on silo '{silo.Name}' (devices: {string.Join(", ", devices.Value.Devices)})");
        _decoder = factory.Create(key.Device);
        try
        {
            await LoadCurrentWeightsAsync(cancellationToken);
        }
        catch
        {
            await DisposeDecoderAsync();
            throw;
        }
        LogActivated(key.ToString(), WeightVersion);
    }

    /// <summary>Version 0 is the configured checkpoint the decoder was built from; a version published since replaces it.</summary>
    private async Task LoadCurrentWeightsAsync(CancellationToken cancellationToken)
    {
        if (_decoder is not IWeightSwappable) return;
        var current = await GrainFactory.GetGrain<IWeightRegistryGrain>(IWeightRegistryGrain.Key).GetCurrent();
        if (current.Version > 0) await UpdateWeights(current.Version, await weightFiles.EnsureAsync(current, cancellationToken));
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => DisposeDecoderAsync();

    private async Task DisposeDecoderAsync()
    {
        switch (_decoder)
        {
            case IAsyncDisposable asyncDisposable: await asyncDisposable.DisposeAsync(); break;
            case IDisposable disposable: disposable.Dispose(); break;
        }
        _decoder = null;
    }

    public async Task<DecodeReply> Decode(DecodeCall call, CancellationToken cancellationToken = default)
    {
        var decoder = _decoder ?? throw new InvalidOperationException("the batcher has no decoder");
        Interlocked.Increment(ref _calls);
        var result = await decoder.DecodeAsync(call.FromWire(), cancellationToken);
        return result.ToWire();
    }

    public Task<BatcherInfo> Describe() =>
        Task.FromResult(new BatcherInfo(this.GetPrimaryKeyString(), silo.Name, silo.SiloAddress.ToString(), Interlocked.Read(ref _calls), WeightVersion,
            _decoder is IReportsLoad reports ? ToWire(reports.Load) : null));

    private static BatcherLoad ToWire(DecoderLoad load) =>
        new(load.RunningSequences, load.QueuedRequests, load.Slots, load.KvPagesInUse, load.KvPages, load.GeneratedTokens);

    public async Task<long> UpdateWeights(long version, string localPath)
    {
        // A decoder that cannot swap weights (a scripted test decoder) keeps serving what it was built with.
        if (_decoder is not IWeightSwappable swappable) return WeightVersion;
        // Reentrant grain: the push and the poll may both deliver a version; load each one once, in order.
        await _swap.WaitAsync();
        try
        {
            if (version > swappable.WeightVersion) await swappable.SwapWeightsAsync(version, localPath);
            return swappable.WeightVersion;
        }
        finally
        {
            _swap.Release();
        }
    }

    private long WeightVersion => (_decoder as IWeightSwappable)?.WeightVersion ?? 0;

    [LoggerMessage(Level = LogLevel.Information, Message = "Batcher {Key} activated, serving weight version {Version}")]
    private partial void LogActivated(string key, long version);
}
