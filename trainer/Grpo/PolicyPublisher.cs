using System.Diagnostics;
using AprOrleans.Api;
using Grpc.Core;
using Grpc.Net.Client;

namespace AprOrleans.Trainer.Grpo;

/// <summary>
/// Publishes the trainer's weights to the silo cluster (Weights.Publish, token-protected) and waits until every
/// batching grain serves them (Weights.ListServing), which is the step's weight-sync time.
/// </summary>
public sealed class PolicyPublisher(GrpcChannel channel, string token)
{
    private readonly Weights.WeightsClient _weights = new(channel);
    private readonly Metadata _auth = [new Metadata.Entry("authorization", $"Bearer {token}")];

    /// <summary>Uploads <paramref name="safetensorsPath"/> as <paramref name="version"/>; returns the reply and the seconds taken.</summary>
    public async Task<(PublishReply Reply, double Seconds)> PublishAsync(long version, string safetensorsPath, string experiment, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var reply = await WeightUpload.PublishAsync(_weights, _auth, version, safetensorsPath, experiment, ct);
        return (reply, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Seconds until every batcher serves <paramref name="version"/> or newer (polling; gives up after <paramref name="timeout"/>).</summary>
    public async Task<double?> WaitUntilServedAsync(long version, TimeSpan timeout, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            var serving = await _weights.ListServingAsync(new ListServingRequest(), _auth, cancellationToken: ct);
            if (serving.Batchers.Count > 0 && serving.Batchers.All(b => b.Version >= version)) return clock.Elapsed.TotalSeconds;
            await Task.Delay(50, ct);
        }
        return null;
    }
}
