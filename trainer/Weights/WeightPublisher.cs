using AprOrleans.Api;
using AprOrleans.Interfaces.Admin;
using AprOrleans.Storage.Weights;
using Google.Protobuf;
using Grpc.Core;

namespace AprOrleans.Trainer.Weights;

/// <summary>
/// Publishes a safetensors file as a new weight version (the trainer after each GRPO step, the weight-sync benchmark,
/// tests): hashes the file (unless the caller knows its SHA-256 already, e.g. from the checkpoint's saved digest),
/// then either streams a header and 64 KiB chunks over <c>Weights.Publish</c> or hands the file over through the
/// cluster's shared weights volume (<c>Weights.PublishShared</c>), with the admin token. A version that is already
/// current with the same blob is not sent again (the silo would answer the same no-op). gRPC failures surface as
/// <see cref="RpcException"/> with the silo's status and message.
/// </summary>
public static class WeightPublisher
{
    /// <summary>
    /// The chunk this client sends (the contract allows up to 1 MiB): below .NET's large-object threshold (85 000
    /// bytes), so that neither its own <see cref="ByteString"/> copies nor the silo's deserialized ones land on the
    /// large-object heap. With 1 MiB chunks a 456 MB upload caused about 20 blocking gen-2 collections in the silo;
    /// with 64 KiB, none.
    /// </summary>
    public const int SendChunkBytes = 64 << 10;

    public static async Task<PublishReply> PublishAsync(
        CallInvoker invoker, string token, long version, string filePath, string experiment = "", string? knownSha256 = null,
        CancellationToken cancellationToken = default)
    {
        var client = new Api.Weights.WeightsClient(invoker);
        var headers = AdminMetadata.For(token);
        var (header, unchanged) = await HeaderOrUnchangedAsync(client, headers, version, filePath, experiment, knownSha256, cancellationToken).ConfigureAwait(false);
        if (unchanged is not null) return unchanged;

        using var call = client.Publish(headers, cancellationToken: cancellationToken);
        try
        {
            await call.RequestStream.WriteAsync(new WeightChunk { Header = header }, cancellationToken).ConfigureAwait(false);
            // No FileStream buffer: reads of a whole chunk would only be copied through it.
            await using var file = new FileStream(filePath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
            var buffer = new byte[SendChunkBytes];
            int read;
            while ((read = await file.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                await call.RequestStream.WriteAsync(new WeightChunk { Data = ByteString.CopyFrom(buffer, 0, read) }, cancellationToken).ConfigureAwait(false);
            await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException or IOException)
        {
            // The silo may refuse early (no token, stale version) and end the call while chunks are still going
            // out; its reply below carries the real status, so a failed write is not the error to report.
            if (e is IOException && !call.ResponseAsync.IsCompleted) throw;
        }
        return await call.ResponseAsync.ConfigureAwait(false);
    }

    /// <summary>
    /// Publishes through the cluster's shared weights volume (<c>Weights.PublishShared</c>): puts the file into
    /// <paramref name="sharedDirectory"/>'s outbox (a hard link where it can) and has the silo take it from there,
    /// so no weight bytes go through gRPC. The outbox entry never outlives the call: the silo takes it, or puts it back
    /// on a refusal and this removes it; <paramref name="filePath"/> itself is never changed.
    /// </summary>
    public static async Task<PublishReply> PublishSharedAsync(
        CallInvoker invoker, string token, long version, string filePath, string sharedDirectory, string experiment = "",
        string? knownSha256 = null, CancellationToken cancellationToken = default)
    {
        var client = new Api.Weights.WeightsClient(invoker);
        var headers = AdminMetadata.For(token);
        var (header, unchanged) = await HeaderOrUnchangedAsync(client, headers, version, filePath, experiment, knownSha256, cancellationToken).ConfigureAwait(false);
        if (unchanged is not null) return unchanged;

        var name = SharedWeightOutbox.Place(sharedDirectory, filePath, version);
        try
        {
            return await client.PublishSharedAsync(new PublishSharedRequest { Header = header, File = name }, headers, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
        }
        finally
        {
            File.Delete(Path.Combine(sharedDirectory, SharedWeightDirectory.Outbox, name));
        }
    }

    /// <summary>
    /// The header announcing <paramref name="filePath"/> as <paramref name="version"/>, or the reply the silo would give
    /// when that version and blob are current already (then nothing needs to be sent).
    /// </summary>
    private static async Task<(WeightHeader Header, PublishReply? Unchanged)> HeaderOrUnchangedAsync(
        Api.Weights.WeightsClient client, Metadata headers, long version, string filePath, string experiment, string? knownSha256, CancellationToken cancellationToken)
    {
        // A wrong known digest is not trusted blindly: the silo hashes what it receives and refuses a mismatch.
        var sha256 = knownSha256 ?? await WeightFileDigest.Sha256HexAsync(filePath, cancellationToken).ConfigureAwait(false);
        var header = new WeightHeader { Version = version, Sha256 = sha256, SizeBytes = new FileInfo(filePath).Length, Experiment = experiment };
        var current = await client.GetCurrentAsync(new GetCurrentWeightsRequest(), headers, cancellationToken: cancellationToken).ConfigureAwait(false);
        return (header, current.Version == version && current.Sha256 == sha256 ? new PublishReply { Version = current, Unchanged = true } : null);
    }

    /// <summary>
    /// Polls <c>ListServing</c> until at least <paramref name="minimumBatchers"/> batchers are listed and every one
    /// serves <paramref name="version"/> or newer (the trainer's weight-sync time is publish → this returning).
    /// </summary>
    public static async Task<ServingReply> WaitUntilServedAsync(
        CallInvoker invoker, long version, int minimumBatchers = 1, TimeSpan? pollInterval = null, CancellationToken cancellationToken = default)
    {
        var client = new Api.Weights.WeightsClient(invoker);
        while (true)
        {
            var serving = await client.ListServingAsync(new ListServingRequest(), cancellationToken: cancellationToken).ConfigureAwait(false);
            if (serving.Batchers.Count >= minimumBatchers && serving.Batchers.All(b => b.Version >= version)) return serving;
            await Task.Delay(pollInterval ?? TimeSpan.FromMilliseconds(50), cancellationToken).ConfigureAwait(false);
        }
    }
}
