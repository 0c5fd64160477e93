using AprOrleans.Reasoning.Rl;
using static TorchSharp.torch;

namespace AprOrleans.Trainer.Grpo;

/// <summary>
/// Trajectory segments laid out as one right-padded batch: row r holds <see cref="GrpoRow"/> r's main sequence (its
/// last segment's context and generated tokens, minus the last, which is only a target), then its tails; the
/// generated tokens are the targets at the positions that predict them, with the sampler's log-probs, the
/// trajectory's advantage, and the weight each token's loss gets.
/// Weights implement the normalization: per segment mean, divided by the trajectory's segment count and averaged
/// over trajectories (the paper), or one mean over every token of the batch (DAPO's token-level loss).
/// </summary>
public sealed class GrpoBatch : IDisposable
{
    public required Tensor Inputs { get; init; }
    public required Tensor Targets { get; init; }
    public required Tensor Mask { get; init; }
    public required Tensor OldLogProbs { get; init; }
    /// <summary>
    /// The temperature <see cref="OldLogProbs"/> were taken at: the sampler records log-probs of its temperature-scaled
    /// distribution, so the objective scores the policy (and the reference) at the same temperature, or every ratio
    /// would compare two different distributions. 1 for greedy rollouts, whose log-probs are taken unscaled.
    /// </summary>
    public float SamplingTemperature { get; init; } = 1f;
    public required Tensor Advantages { get; init; }
    public required Tensor TokenWeights { get; init; }
    /// <summary>Main-sequence positions per row; the rest (when <see cref="TailPositions"/> is set) are tails.</summary>
    public required long MainLength { get; init; }
    /// <summary>[B, T] positions of the tail tokens, or null when no row has a tail (a plain causal batch).</summary>
    public Tensor? TailPositions { get; init; }
    /// <summary>[B, 1, T, M + T] what each tail query attends to, or null without tails.</summary>
    public Tensor? TailMask { get; init; }
    public required int Rows { get; init; }
    public required long GeneratedTokens { get; init; }

    /// <param name="normalization">
    /// The whole step's trajectory count and generated-token count when this batch is one micro-batch of it, so
    /// that the micro-batches' losses sum to the step's loss (gradient accumulation is then exact); null = this batch.
    /// </param>
    public static GrpoBatch Build(IReadOnlyList<WeightedTrajectory> trajectories, bool tokenLevel, Device device,
        (int Trajectories, long GeneratedTokens)? normalization = null, float samplingTemperature = 1f)
    {
        var rows = GrpoRow.Of(trajectories).ToList();
        if (rows.Count == 0) throw new ArgumentException("no segments to train on", nameof(trajectories));
        return Build(rows, tokenLevel, device, normalization ?? (trajectories.Count, rows.Sum(r => (long)r.GeneratedTokens)), samplingTemperature);
    }

    /// <summary>
    /// A batch of rows from any trajectories of a step; <paramref name="normalization"/> is the whole step's;
    /// <paramref name="samplingTemperature"/> the temperature their sampler log-probs were taken at (see <see cref="SamplingTemperature"/>).
    /// </summary>
    public static GrpoBatch Build(IReadOnlyList<GrpoRow> rows, bool tokenLevel, Device device, (int Trajectories, long GeneratedTokens) normalization,
        float samplingTemperature = 1f)
    {
        if (!(samplingTemperature > 0)) throw new ArgumentOutOfRangeException(nameof(samplingTemperature), samplingTemperature, "must be positive");
        if (rows.Count == 0) throw new ArgumentException("no segments to train on", nameof(rows));
        int main = rows.Max(r => r.MainWidth), tail = rows.Max(r => r.TailWidth), width = main + tail;
        var layout = new Layout(rows.Count, main, tail, tokenLevel, normalization);
        for (int r = 0; r < rows.Count; r++) layout.Place(r, rows[r]);
        long[] shape = [rows.Count, width];
        return new GrpoBatch
        {
            Inputs = tensor(layout.Inputs, shape, device: device),
            Targets = tensor(layout.Targets, shape, device: device),
            Mask = tensor(layout.Mask, shape, device: device),
            OldLogProbs = tensor(layout.Old, shape, device: device),
            Advantages = tensor(layout.Advantages, device: device).unsqueeze(1),
            TokenWeights = tensor(layout.Weights, shape, device: device),
            MainLength = main,
            TailPositions = tail == 0 ? null : tensor(layout.TailPositions, [rows.Count, tail], device: device),
            TailMask = tail == 0 ? null : tensor(layout.TailMask, [rows.Count, 1, tail, width], device: device),
            Rows = rows.Count,
            GeneratedTokens = rows.Sum(r => (long)r.GeneratedTokens),
            SamplingTemperature = samplingTemperature,
        };
    }

    /// <summary>The host arrays of a batch being laid out, row by row (see <see cref="GrpoRow"/> for main and tails).</summary>
    private sealed class Layout
    {
        private readonly int _main, _tail, _width;
        private readonly bool _tokenLevel;
        private readonly (int Trajectories, long GeneratedTokens) _normalization;

        public Layout(int rows, int main, int tail, bool tokenLevel, (int Trajectories, long GeneratedTokens) normalization)
        {
            (_main, _tail, _width, _tokenLevel, _normalization) = (main, tail, main + tail, tokenLevel, normalization);
            Inputs = new long[rows * _width];
            Targets = new long[rows * _width];
            Mask = new float[rows * _width];
            Old = new float[rows * _width];
            Weights = new float[rows * _width];
            Advantages = new float[rows];
            TailPositions = new long[rows * tail];
            TailMask = new bool[rows * tail * _width];
        }

        public long[] Inputs { get; }
        public long[] Targets { get; }
        public float[] Mask { get; }
        public float[] Old { get; }
        public float[] Weights { get; }
        public float[] Advantages { get; }
        public long[] TailPositions { get; }
        public bool[] TailMask { get; }

        public void Place(int r, GrpoRow row)
        {
            Advantages[r] = (float)row.Advantage;
            int offset = r * _width;
            var last = row.Last;
            for (int i = 0; i < row.MainWidth; i++)
                Inputs[offset + i] = i < last.Context.Length ? last.Context[i] : last.Generated[i - last.Context.Length];
            int tailColumn = 0;
            for (int k = 0; k < row.Segments.Count; k++)
            {
                var segment = row.Segments[k];
                float weight = _tokenLevel
                    ? 1f / _normalization.GeneratedTokens
                    : 1f / (segment.Generated.Length * row.TrajectorySegments * _normalization.Trajectories);
                int tailLength = row.TailLength(k), onMain = segment.Generated.Length - tailLength;
                // Tokens before the branch point: targets on the main sequence, predicted where a lone row would.
                for (int i = 0; i < onMain; i++) SetTarget(offset + segment.Context.Length - 1 + i, segment, i, weight);
                if (tailLength == 0) continue;
                // The tail re-reads the token before its branch point at the same position, so its first query sees
                // exactly the main keys before that point plus itself, as the segment's own row would.
                int branch = row.BranchPoints[k];
                for (int q = 0; q < tailLength; q++)
                {
                    int column = _main + tailColumn + q, position = branch - 1 + q;
                    Inputs[offset + column] = position < segment.Context.Length ? segment.Context[position] : segment.Generated[position - segment.Context.Length];
                    SetTarget(offset + column, segment, onMain + q, weight);
                    TailPositions[r * _tail + tailColumn + q] = position;
                    int maskRow = (r * _tail + tailColumn + q) * _width;
                    Array.Fill(TailMask, true, maskRow, branch - 1);
                    Array.Fill(TailMask, true, maskRow + _main + tailColumn, q + 1);
                }
                tailColumn += tailLength;
            }
            // Padding tail queries attend to one key, so that no softmax row is empty (NaN would reach the loss).
            for (int q = tailColumn; q < _tail; q++) TailMask[(r * _tail + q) * _width] = true;
        }

        private void SetTarget(int at, TrajectorySegment segment, int token, float weight)
        {
            Targets[at] = segment.Generated[token];
            Mask[at] = 1f;
            Old[at] = segment.SamplerLogProbs[token];
            Weights[at] = weight;
        }
    }

    public void Dispose()
    {
        foreach (var t in new[] { Inputs, Targets, Mask, OldLogProbs, Advantages, TokenWeights }) t.Dispose();
        TailPositions?.Dispose();
        TailMask?.Dispose();
    }
}
