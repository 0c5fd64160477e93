using AprOrleans.Model.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace AprOrleans.Model.Inference;

/// <summary>
/// Picks next tokens from logits [B, V] with temperature, top-k and top-p (nucleus) filtering, drawing from its own
/// seeded <see cref="Generator"/> so a run can be replayed. Also returns each chosen token's log-probability under
/// the temperature-scaled distribution before filtering (what GRPO needs as the sampler's log-prob; for greedy,
/// temperature 1). Not thread-safe: one sampler per decode thread.
/// </summary>
public sealed class Sampler : IDisposable
{
    private readonly Generator _generator;

    public Sampler(long seed, Device device)
    {
        // The generator must live on the device whose tensors multinomial reads.
        _generator = new Generator((ulong)seed, device);
    }

    public (Tensor Tokens, Tensor LogProbs) Sample(Tensor logits, SamplingOptions options)
    {
        options.Validate();
        if (logits.dim() != 2) throw new ArgumentException($"expected logits [B, V], got [{string.Join(", ", logits.shape)}]", nameof(logits));
        using var scope = NewDisposeScope();
        var scores = logits.to(ScalarType.Float32);
        if (options.IsGreedy)
        {
            var best = scores.argmax(-1);
            var greedyLogProbs = scores.log_softmax(-1).gather(-1, best.unsqueeze(-1)).squeeze(-1);
            return (best.MoveToOuterDisposeScope(), greedyLogProbs.MoveToOuterDisposeScope());
        }

        // Explicit Scalars kept alive across the native calls (see RmsNorm: implicit ones are finalizer-owned).
        using var temperature = options.Temperature.ToScalar();
        using var minusInfinity = double.NegativeInfinity.ToScalar();
        using var topP = options.TopP.ToScalar();
        scores = scores.div(temperature);
        var logProbs = scores.log_softmax(-1);
        var filtered = scores;
        long vocab = scores.shape[^1];
        if (options.TopK > 0 && options.TopK < vocab)
        {
            var kth = scores.topk(options.TopK, dim: -1).values.narrow(-1, options.TopK - 1, 1);
            filtered = filtered.masked_fill(filtered < kth, minusInfinity);
        }
        if (options.TopP < 1.0)
        {
            var (sorted, order) = filtered.sort(-1, descending: true);
            var probs = sorted.softmax(-1);
            // Drop a token when the tokens ranked above it already hold top_p of the mass; the best token always stays.
            var massBefore = probs.cumsum(-1).Minus(probs);
            var dropSorted = massBefore.gt(topP);
            var drop = zeros_like(dropSorted).scatter(-1, order, dropSorted);
            filtered = filtered.masked_fill(drop, minusInfinity);
        }
        var choice = multinomial(filtered.softmax(-1), 1, replacement: false, generator: _generator);
        var chosenLogProbs = logProbs.gather(-1, choice).squeeze(-1);
        return (choice.squeeze(-1).MoveToOuterDisposeScope(), chosenLogProbs.MoveToOuterDisposeScope());
    }

    public void Dispose() => _generator.Dispose();
}
