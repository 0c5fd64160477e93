using System.Diagnostics;
using AprOrleans.Api;
using AprOrleans.Grains.Weights;
using AprOrleans.Interfaces.Batching;
using AprOrleans.Interfaces.Weights;
using AprOrleans.Silo.Hosting;
using AprOrleans.Storage.Weights;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace AprOrleans.Silo.Api;

/// <summary>
/// The <c>Weights</c> gRPC service (training.proto). Publish verifies everything before anything changes: the
/// token, the header, the data's size and sha256, and that the tensors fit the served model; only then is the blob
/// stored and the registry moved to the new version, which the silos' weight sync then loads into every batcher.
/// </summary>
public sealed partial class WeightsService(
    IGrainFactory grains,
    AdminAuthorization authorization,
    SiloSettings settings,
    IWeightStore store,
    ServedTensorLayout layout,
    IClusterMembershipService membership,
    IOptions<WeightOptions> options,
    LocalWeightFiles localFiles,
    ILogger<WeightsService> logger) : AprOrleans.Api.Weights.WeightsBase
{
    private IWeightRegistryGrain Registry => grains.GetGrain<IWeightRegistryGrain>(IWeightRegistryGrain.Key);

    public override async Task<PublishReply> Publish(IAsyncStreamReader<WeightChunk> requestStream, ServerCallContext context)
    {
        authorization.Require(context, "Weights.Publish");
        var cancellationToken = context.CancellationToken;
        var clock = Stopwatch.StartNew();
        var header = await WeightUpload.ReadHeaderAsync(requestStream, settings.MaxWeightBytes, cancellationToken);
        var current = await Registry.GetCurrent();
        RequireNewOrSame(header, current);

        // The store receives the bytes as they arrive; it is committed only after every check below has passed.
        await using var blob = await store.BeginAsync(new WeightVersionInfo(header.Version, header.Sha256, header.SizeBytes, 0), cancellationToken);
        using var upload = await WeightUpload.ReceiveAsync(requestStream, header, options.Value.IncomingDirectory, blob, cancellationToken);
        if (upload.Version.Version == current.Version) return Reply(current, clock, unchanged: true);
        if (CheckLayout(upload.Path) is { } mismatch) throw SolveRequestValidator.Invalid("data", mismatch);
        await blob.CommitAsync(upload.Path, cancellationToken);
        var storeTime = clock.Elapsed;
        // A store that copied the blob leaves the upload here: it becomes this silo's local copy (no fetch back).
        if (File.Exists(upload.Path)) await localFiles.AdoptAsync(upload.Version, upload.Path);

        return await CommitAsync(upload.Version, current, storeTime);
    }

    public override async Task<PublishReply> PublishShared(PublishSharedRequest request, ServerCallContext context)
    {
        authorization.Require(context, "Weights.PublishShared");
        var shared = options.Value.SharedDirectory;
        // With a shared directory the store is its store/ (SiloBuilderExtensions.AddWeightSync), which takes a checked
        // file by a rename; any other store would need the bytes written into it.
        if (shared is null || store is not DirectoryWeightStore)
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                "this silo has no shared weights directory (Apr:SharedWeightsDirectory); publish the bytes with Weights.Publish"));
        WeightUpload.Validate(request.Header, settings.MaxWeightBytes);
        var header = request.Header;
        var clock = Stopwatch.StartNew();
        var current = await Registry.GetCurrent();
        RequireNewOrSame(header, current);
        // The same version and blob: nothing to take (the publisher keeps its file).
        if (header.Version == current.Version) return Reply(current, clock, unchanged: true);

        using var intake = await SharedWeightIntake.TakeAsync(shared, options.Value.IncomingDirectory, header, request.File, context.CancellationToken);
        if (CheckLayout(intake.Path) is { } mismatch) throw SolveRequestValidator.Invalid("file", mismatch);
        // The store is the shared directory's store/: committing moves the checked file there, on the same volume.
        await using (var blob = await store.BeginAsync(intake.Version, context.CancellationToken))
            await blob.CommitAsync(intake.Path, context.CancellationToken);
        var reply = await CommitAsync(intake.Version, current, clock.Elapsed);
        DeleteAbandonedOutboxEntries(shared);
        return reply;
    }

    /// <summary>
    /// Outbox entries of publishers that died mid-call (an hour is far longer than any publish takes), removed after a
    /// successful publish: one listing of the outbox, after the registry moved, and a failure here is only logged.
    /// </summary>
    private void DeleteAbandonedOutboxEntries(string shared)
    {
        try
        {
            foreach (var entry in SharedWeightDirectory.AbandonedOutboxEntries(shared, DateTime.UtcNow - TimeSpan.FromHours(1)))
                File.Delete(entry);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogSweepFailed(shared, e);
        }
    }

    /// <summary>Moves the registry to a stored, verified blob; the silos' weight sync then loads it.</summary>
    private async Task<PublishReply> CommitAsync(WeightVersionInfo version, WeightVersionInfo previous, TimeSpan storeTime)
    {
        var result = await Registry.Commit(version);
        switch (result.Outcome)
        {
            case WeightCommitOutcome.Committed:
                _ = Task.Run(() => DeleteOldBlobsAsync(previous.Version), CancellationToken.None);
                return Reply(result.Current, storeTime, unchanged: false);
            case WeightCommitOutcome.Unchanged:
                return Reply(result.Current, storeTime, unchanged: true);
            default:
                // Another publisher got there first while this blob was on its way.
                throw Stale(version.Version, result.Current);
        }
    }

    public override async Task<WeightVersion> GetCurrent(GetCurrentWeightsRequest request, ServerCallContext context) =>
        ToProto(await Registry.GetCurrent());

    public override async Task<ServingReply> ListServing(ListServingRequest request, ServerCallContext context)
    {
        var current = await Registry.GetCurrent();
        var active = membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        var keys = (await Registry.Subscribers())
            .Where(s => active.Contains(s.SiloName))
            .SelectMany(s => s.Devices.Select(d => new BatcherKey(s.SiloName, d).ToString()))
            .ToList();
        var reply = new ServingReply { CurrentVersion = current.Version };
        reply.Batchers.AddRange(await Task.WhenAll(keys.Select(DescribeAsync)));
        return reply;
    }

    /// <summary>The batcher's served version and load; version −1 and no load when it cannot answer (its activation failed, its silo is leaving).</summary>
    private async Task<BatcherServing> DescribeAsync(string key)
    {
        try
        {
            var info = await grains.GetGrain<IBatchingGrain>(key).Describe();
            var serving = new BatcherServing { Batcher = key, Version = info.WeightVersion, DecodeCalls = info.DecodeCalls };
            if (info.Load is { } load)
                serving.Load = new EngineLoad
                {
                    RunningSequences = load.RunningSequences, QueuedRequests = load.QueuedRequests, Slots = load.Slots,
                    KvPagesInUse = load.KvPagesInUse, KvPages = load.KvPages, GeneratedTokens = load.GeneratedTokens,
                };
            return serving;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogDescribeFailed(key, e);
            return new BatcherServing { Batcher = key, Version = -1 };
        }
    }

    private static void RequireNewOrSame(WeightHeader header, WeightVersionInfo current)
    {
        if (header.Version > current.Version || header.Version == current.Version && header.Sha256 == current.Sha256) return;
        throw Stale(header.Version, current);
    }

    private static RpcException Stale(long version, WeightVersionInfo current) => new(new Status(StatusCode.FailedPrecondition,
        version == current.Version
            ? $"field 'header.version': version {version} is already published with another sha256 ({current.Sha256})"
            : $"field 'header.version': {version} is not above the current version {current.Version}"));

    private string? CheckLayout(string blobPath)
    {
        try
        {
            return layout.Mismatch(blobPath);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                $"this silo cannot read the served model's tensors to check the blob against (Apr:Checkpoint): {e.Message}"));
        }
    }

    private async Task DeleteOldBlobsAsync(long previousVersion)
    {
        // Keep the previous version too: a silo may still be fetching it.
        try { await store.DeleteBelowAsync(previousVersion, CancellationToken.None); }
        catch (Exception e) { LogPruneFailed(previousVersion, e); }
    }

    private static PublishReply Reply(WeightVersionInfo version, Stopwatch clock, bool unchanged) => Reply(version, clock.Elapsed, unchanged);

    private static PublishReply Reply(WeightVersionInfo version, TimeSpan storeTime, bool unchanged) =>
        new() { Version = ToProto(version), StoreMs = storeTime.TotalMilliseconds, Unchanged = unchanged };

    private static WeightVersion ToProto(WeightVersionInfo v) =>
        new() { Version = v.Version, Sha256 = v.Sha256, SizeBytes = v.SizeBytes, PublishedUnixMs = v.PublishedUnixMs };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Batcher {Key} did not describe itself")]
    private partial void LogDescribeFailed(string key, Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete abandoned outbox entries in {Path}")]
    private partial void LogSweepFailed(string path, Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete weight blobs below version {Version}")]
    private partial void LogPruneFailed(long version, Exception error);
}
