using AprOrleans.Reasoning.Runtime;

namespace AprOrleans.Model.Engine;

/// <summary>
/// One request while the engine works on it: all its tokens (context, then generated), how many of them the
/// KV cache already holds, and what it generated so far with log-probs and weight versions.
/// </summary>
internal sealed class ActiveSequence(DecodeRequest request, TaskCompletionSource<DecodeResult> completion, CancellationToken cancellation)
{
    public DecodeRequest Request { get; } = request;
    public TaskCompletionSource<DecodeResult> Completion { get; } = completion;
    public CancellationToken Cancellation { get; } = cancellation;
    public List<int> Tokens { get; } = [.. request.Context];
    public List<int> Generated { get; } = [];
    public List<float> LogProbs { get; } = [];
    public List<long> Versions { get; } = [];
    public int Slot { get; set; } = -1;
    /// <summary>Tokens of <see cref="Tokens"/> whose keys/values are in the cache.</summary>
    public int Cached { get; set; }
    public DateTime EnqueuedAt { get; } = DateTime.UtcNow;
    public DateTime? StartedAt { get; set; }

    /// <summary>Tokens still to feed before the next token can be sampled.</summary>
    public int Pending => Tokens.Count - Cached;
}
