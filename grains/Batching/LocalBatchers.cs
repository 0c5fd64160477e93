using AprOrleans.Interfaces.Batching;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace AprOrleans.Grains.Batching;

/// <summary>
/// Hands out this silo's own batchers, round-robin over its devices: a solve decodes where it runs, so its
/// requests never cross the network and every device on the silo shares the load.
/// </summary>
public sealed class LocalBatchers(IGrainFactory grains, ILocalSiloDetails silo, IOptions<DeviceOptions> devices)
{
    private int _next = -1;

    public IBatchingGrain Next()
    {
        var list = devices.Value.Devices;
        if (list.Count == 0) throw new InvalidOperationException($"silo '{silo.Name}' has no devices configured");
        int i = (int)((uint)Interlocked.Increment(ref _next) % (uint)list.Count);
        return grains.GetGrain<IBatchingGrain>(new BatcherKey(silo.Name, list[i]).ToString());
    }
}
