using System.Diagnostics;
using AprOrleans.Model.Checkpoints;
using AprOrleans.Trainer.Weights;
using Grpc.Core;
using Grpc.Net.Client;

namespace AprOrleans.Trainer.Grpo;

/// <summary>
/// Publishes the trainer's weights to the silo cluster and measures the step's weight-sync time: publish → every
/// batching grain serving the new version. With <paramref name="sharedDirectory"/> (the trainer's mount of the
/// cluster's shared weights volume) through Weights.PublishShared, else by uploading them (Weights.Publish); both
/// token-protected.
/// </summary>
public sealed class PolicyPublisher(GrpcChannel channel, string token, string? sharedDirectory = null)
{
    /// <summary>Publishes <paramref name="safetensorsPath"/> as <paramref name="version"/>; returns the seconds taken.</summary>
    public async Task<double> PublishAsync(long version, string safetensorsPath, string experiment, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        // The checkpoint's digest was computed while its weights were written: no second pass over the file.
        var knownSha256 = WeightsDigest.TryRead(safetensorsPath);
        try
        {
            await SendAsync(version, safetensorsPath, experiment, knownSha256, ct);
        }
        catch (RpcException e) when (knownSha256 is not null && e.StatusCode == StatusCode.InvalidArgument && e.Status.Detail.Contains("header.sha256"))
        {
            // The digest no longer matches the file (it was replaced by a copy that kept an older time): hash it.
            await SendAsync(version, safetensorsPath, experiment, knownSha256: null, ct);
        }
        return clock.Elapsed.TotalSeconds;
    }

    private Task SendAsync(long version, string path, string experiment, string? knownSha256, CancellationToken ct) => sharedDirectory is null
        ? WeightPublisher.PublishAsync(channel.CreateCallInvoker(), token, version, path, experiment, knownSha256, ct)
        : WeightPublisher.PublishSharedAsync(channel.CreateCallInvoker(), token, version, path, sharedDirectory, experiment, knownSha256, ct);

    /// <summary>Seconds until every batcher serves <paramref name="version"/> or newer; null when that takes longer than <paramref name="timeout"/>.</summary>
    public async Task<double?> WaitUntilServedAsync(long version, TimeSpan timeout, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            await WeightPublisher.WaitUntilServedAsync(channel.CreateCallInvoker(), version, cancellationToken: limit.Token);
            return clock.Elapsed.TotalSeconds;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return null;
        }
        catch (Grpc.Core.RpcException e) when (e.StatusCode == Grpc.Core.StatusCode.Cancelled && !ct.IsCancellationRequested)
        {
            return null;
        }
    }
}
