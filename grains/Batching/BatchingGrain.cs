using AprOrleans.Grains.Decoding;
using AprOrleans.Grains.Placement;
using AprOrleans.Interfaces.Batching;
using AprOrleans.Model.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Placement;
using Orleans.Runtime;

namespace AprOrleans.Grains.Batching;

/// <summary>
/// The batcher of one device on one silo. Pinned (placed by silo name, never migrated) because it owns a device
/// and its model; reentrant so that many decode requests are in flight at once and the engine can batch them;
/// kept alive because activating it loads a model.
/// </summary>
[SiloNamePlacement, Immovable, Reentrant, KeepAlive]
public sealed partial class BatchingGrain(
    IDecoderFactory factory,
    ILocalSiloDetails silo,
    IOptions<DeviceOptions> devices,
    ILogger<BatchingGrain> logger) : Grain, IBatchingGrain
{
    private IThreadDecoder? _decoder;
    private long _calls;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var key = BatcherKey.Parse(this.GetPrimaryKeyString());
        // Placement guarantees this; checking it here keeps a misconfigured director from driving the wrong machine's device.
        if (key.SiloName != silo.Name)
            throw new InvalidOperationException($"batcher '{key}' was activated on silo '{silo.Name}'");
        if (!devices.Value.Devices.Contains(key.Device, StringComparer.Ordinal))
            throw new ArgumentException(
                $"device '{key.Device}' is not configured on silo '{silo.Name}' (devices: {string.Join(", ", devices.Value.Devices)})");
        _decoder = factory.Create(key.Device);
        LogActivated(key.ToString());
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        switch (_decoder)
        {
            case IAsyncDisposable asyncDisposable: await asyncDisposable.DisposeAsync(); break;
            case IDisposable disposable: disposable.Dispose(); break;
        }
        _decoder = null;
    }

    public async Task<DecodeReply> Decode(DecodeCall call)
    {
        var decoder = _decoder ?? throw new InvalidOperationException("the batcher has no decoder");
        Interlocked.Increment(ref _calls);
        var result = await decoder.DecodeAsync(call.FromWire());
        return result.ToWire();
    }

    public Task<BatcherInfo> Describe() =>
        Task.FromResult(new BatcherInfo(this.GetPrimaryKeyString(), silo.Name, silo.SiloAddress.ToString(), Interlocked.Read(ref _calls)));

    [LoggerMessage(Level = LogLevel.Information, Message = "Batcher {Key} activated")]
    private partial void LogActivated(string key);
}
