using System.Diagnostics;
using AprOrleans.Grains.Batching;
using AprOrleans.Interfaces.Batching;
using AprOrleans.Interfaces.Weights;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace AprOrleans.Grains.Weights;

/// <summary>Where the time of one silo's switch to a new version went.</summary>
public sealed record WeightSyncTiming(long Version, TimeSpan Fetch, TimeSpan Load);

/// <summary>
/// Keeps this silo's batchers on the registry's current weight version: an observer of the registry (push) plus a
/// poll every few seconds (fallback for lost notifications and expired subscriptions). On a new version it fetches
/// the blob once to a local file and has every local batcher load it between engine steps.
/// </summary>
public sealed partial class SiloWeightSync(
    IGrainFactory grains,
    ILocalSiloDetails silo,
    IOptions<DeviceOptions> devices,
    IOptions<WeightOptions> options,
    LocalWeightFiles files,
    ILogger<SiloWeightSync> logger) : IWeightObserver, ILifecycleParticipant<ISiloLifecycle>
{
    private readonly SemaphoreSlim _sync = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private IWeightObserver? _reference;
    private Task _loop = Task.CompletedTask;
    private long _applied;

    /// <summary>The last switch this silo completed (the weight-sync benchmark reads it).</summary>
    public WeightSyncTiming? LastSync { get; private set; }

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SiloWeightSync), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    public Task Published(WeightVersionInfo version)
    {
        _ = Task.Run(() => SyncQuietlyAsync(version));
        return Task.CompletedTask;
    }

    private IWeightRegistryGrain Registry => grains.GetGrain<IWeightRegistryGrain>(IWeightRegistryGrain.Key);

    private Task StartAsync(CancellationToken cancellationToken)
    {
        // Uploads of an earlier run of this silo that never finished (the directory is this silo's own, also on a shared volume).
        if (Directory.Exists(options.Value.IncomingDirectory)) Directory.Delete(options.Value.IncomingDirectory, recursive: true);
        _reference = grains.CreateObjectReference<IWeightObserver>(this);
        _loop = Task.Run(() => LoopAsync(_stop.Token));
        return Task.CompletedTask;
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync();
        try { await _loop.WaitAsync(cancellationToken); }
        catch (OperationCanceledException) { /* stopping */ }
        if (_reference is not null) grains.DeleteObjectReference<IWeightObserver>(_reference);
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        var subscribeDue = DateTime.MinValue;
        var self = new WeightSubscriber(silo.Name, [.. devices.Value.Devices]);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (DateTime.UtcNow >= subscribeDue)
                {
                    await Registry.Subscribe(self, _reference!);
                    subscribeDue = DateTime.UtcNow + options.Value.ResubscribeInterval;
                }
                await SyncAsync(await Registry.GetCurrent(), cancellationToken);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                LogSyncFailed(e);
            }
            await Task.Delay(options.Value.PollInterval, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private async Task SyncQuietlyAsync(WeightVersionInfo version)
    {
        try { await SyncAsync(version, _stop.Token); }
        catch (Exception e) when (!_stop.IsCancellationRequested) { LogSyncFailed(e); }
    }

    private async Task SyncAsync(WeightVersionInfo version, CancellationToken cancellationToken)
    {
        if (version.Version <= Interlocked.Read(ref _applied)) return;
        await _sync.WaitAsync(cancellationToken);
        try
        {
            if (version.Version <= _applied) return;
            var clock = Stopwatch.StartNew();
            var path = await files.EnsureAsync(version, cancellationToken);
            var fetched = clock.Elapsed;
            await Task.WhenAll(devices.Value.Devices.Select(device =>
                grains.GetGrain<IBatchingGrain>(new BatcherKey(silo.Name, device).ToString()).UpdateWeights(version.Version, path)));
            LastSync = new WeightSyncTiming(version.Version, fetched, clock.Elapsed - fetched);
            Interlocked.Exchange(ref _applied, version.Version);
            LogSynced(version.Version, fetched.TotalMilliseconds, (clock.Elapsed - fetched).TotalMilliseconds);
            await files.DeleteBelowAsync(version.Version);
        }
        finally
        {
            _sync.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Batchers serve weight version {Version} (fetch {FetchMs:F0} ms, load {LoadMs:F0} ms)")]
    private partial void LogSynced(long version, double fetchMs, double loadMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Weight sync failed; retrying at the next poll")]
    private partial void LogSyncFailed(Exception error);
}
