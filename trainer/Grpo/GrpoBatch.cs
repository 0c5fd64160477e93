using AprOrleans.Model.Rl;
using static TorchSharp.torch;

namespace AprOrleans.Trainer.Grpo;

/// <summary>
/// Trajectory segments laid out as one right-padded batch: row r holds segment r's context and generated tokens
/// (minus the last, which is only a target); the generated tokens are the targets at the positions that predict
/// them, with the sampler's log-probs, the trajectory's advantage, and the weight each token's loss gets.
/// Weights implement the normalization: per segment mean, divided by the trajectory's segment count and averaged
/// over trajectories (the paper), or one mean over every token of the batch (DAPO's token-level loss).
/// </summary>
public sealed class GrpoBatch : IDisposable
{
    public required Tensor Inputs { get; init; }
    public required Tensor Targets { get; init; }
    public required Tensor Mask { get; init; }
    public required Tensor OldLogProbs { get; init; }
    public required Tensor Advantages { get; init; }
    public required Tensor TokenWeights { get; init; }
    public required int Rows { get; init; }
    public required long GeneratedTokens { get; init; }

    /// <param name="normalization">
    /// The whole step's trajectory count and generated-token count when this batch is one micro-batch of it, so
    /// that the micro-batches' losses sum to the step's loss (gradient accumulation is then exact); null = this batch.
    /// </param>
    public static GrpoBatch Build(IReadOnlyList<WeightedTrajectory> trajectories, bool tokenLevel, Device device, (int Trajectories, long GeneratedTokens)? normalization = null)
    {
        var rows = GrpoRow.Of(trajectories).ToList();
        if (rows.Count == 0) throw new ArgumentException("no segments to train on", nameof(trajectories));
        return Build(rows, tokenLevel, device, normalization ?? (trajectories.Count, rows.Sum(r => (long)r.Segment.Generated.Length)));
    }

    /// <summary>A batch of rows from any trajectories of a step; <paramref name="normalization"/> is the whole step's.</summary>
    public static GrpoBatch Build(IReadOnlyList<GrpoRow> rows, bool tokenLevel, Device device, (int Trajectories, long GeneratedTokens) normalization)
    {
        if (rows.Count == 0) throw new ArgumentException("no segments to train on", nameof(rows));
        int width = rows.Max(r => r.Width);
        long batchGenerated = rows.Sum(r => (long)r.Segment.Generated.Length);
        var (trajectoryCount, totalGenerated) = normalization;
        var inputs = new long[rows.Count * width];
        var targets = new long[rows.Count * width];
        var mask = new float[rows.Count * width];
        var old = new float[rows.Count * width];
        var weights = new float[rows.Count * width];
        var advantages = new float[rows.Count];
        for (int r = 0; r < rows.Count; r++)
        {
            var (segment, advantage, segments) = (rows[r].Segment, rows[r].Advantage, rows[r].TrajectorySegments);
            int contextLength = segment.Context.Length, generated = segment.Generated.Length;
            advantages[r] = (float)advantage;
            int offset = r * width;
            for (int i = 0; i < contextLength; i++) inputs[offset + i] = segment.Context[i];
            for (int i = 0; i + 1 < generated; i++) inputs[offset + contextLength + i] = segment.Generated[i];
            float weight = tokenLevel
                ? 1f / totalGenerated
                : 1f / (generated * segments * trajectoryCount);
            for (int i = 0; i < generated; i++)
            {
                int at = offset + contextLength - 1 + i;
                targets[at] = segment.Generated[i];
                mask[at] = 1f;
                old[at] = segment.SamplerLogProbs[i];
                weights[at] = weight;
            }
        }
        long[] shape = [rows.Count, width];
        return new GrpoBatch
        {
            Inputs = tensor(inputs, shape, device: device),
            Targets = tensor(targets, shape, device: device),
            Mask = tensor(mask, shape, device: device),
            OldLogProbs = tensor(old, shape, device: device),
            Advantages = tensor(advantages, device: device).unsqueeze(1),
            TokenWeights = tensor(weights, shape, device: device),
            Rows = rows.Count,
            GeneratedTokens = batchGenerated,
        };
    }

    public void Dispose()
    {
        foreach (var t in new[] { Inputs, Targets, Mask, OldLogProbs, Advantages, TokenWeights }) t.Dispose();
    }
}
