using AprOrleans.Reasoning.Runtime;

namespace AprOrleans.Model.Engine.Scheduling;

/// <summary>
/// One request as the scheduler tracks it: all its tokens (context, then generated), the slot it runs in and how many
/// of its tokens that slot's KV cache holds, the limits that end it, and when it was first admitted (its place in
/// the order that preemption follows).
/// </summary>
public class ScheduledSequence(IReadOnlyList<int> context, int maxNewTokens, IReadOnlySet<int> stopTokens, CancellationToken cancellation)
{
    public List<int> Tokens { get; } = [.. context];
    public int PromptLength { get; } = context.Count;
    public int MaxNewTokens { get; } = maxNewTokens;
    public IReadOnlySet<int> StopTokens { get; } = stopTokens;
    public CancellationToken Cancellation { get; } = cancellation;

    /// <summary>The cache slot it runs in; -1 while it waits, is preempted or has ended.</summary>
    public int Slot { get; internal set; } = -1;

    /// <summary>Tokens of <see cref="Tokens"/> whose keys/values are in the slot's cache.</summary>
    public int Cached { get; internal set; }

    /// <summary>Rank of its first admission (0 for the first request admitted); null until then. Kept when preempted.</summary>
    public long? Admission { get; internal set; }

    /// <summary>Tokens still to feed before the next token can be sampled.</summary>
    public int Pending => Tokens.Count - Cached;

    public int GeneratedCount => Tokens.Count - PromptLength;

    /// <summary>The tokens generated so far (a copy).</summary>
    public List<int> Generated => Tokens.GetRange(PromptLength, GeneratedCount);

    /// <summary>Why it ends after appending <paramref name="token"/>, or null when it goes on.</summary>
    public DecodeStop? StopAfter(int token, int eosId, int contextTokens) =>
        token == eosId ? DecodeStop.EndOfSequence
        : StopTokens.Contains(token) ? DecodeStop.StopToken
        : GeneratedCount >= MaxNewTokens || Tokens.Count >= contextTokens ? DecodeStop.TokenLimit
        : null;
}
