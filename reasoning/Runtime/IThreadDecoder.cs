namespace AprOrleans.Reasoning.Runtime;

/// <summary>Why a decode call returned.</summary>
public enum DecodeStop
{
    /// <summary>The model wrote end-of-sequence.</summary>
    EndOfSequence,
    /// <summary>The model wrote one of the request's stop tokens (it is the last generated token).</summary>
    StopToken,
    /// <summary>The request's token limit was reached.</summary>
    TokenLimit,
}

/// <summary>Sampling for one request; <see cref="Temperature"/> 0 means greedy.</summary>
public sealed record SamplingSettings(float Temperature = 1.0f, int TopK = 0, float TopP = 1.0f, long Seed = 0)
{
    public static readonly SamplingSettings Greedy = new(Temperature: 0);
}

/// <summary>
/// One continuation request: the full context (token ids, starting with &lt;bos&gt;), how many tokens may be
/// generated, and which token ids end it early.
/// </summary>
public sealed record DecodeRequest(
    IReadOnlyList<int> Context,
    int MaxNewTokens,
    IReadOnlySet<int> StopTokens,
    SamplingSettings Sampling);

/// <summary>
/// What a decoder produced: the new tokens, each token's log-probability under the sampling distribution's
/// model and the weight version that produced it, why it stopped, and where the time went.
/// </summary>
public sealed record DecodeResult(
    IReadOnlyList<int> Tokens,
    IReadOnlyList<float> LogProbs,
    IReadOnlyList<long> WeightVersions,
    DecodeStop Stop,
    TimeSpan QueueTime,
    TimeSpan DecodeTime);

/// <summary>
/// Anything that continues a token context: the batched engine on a device, a batching grain, or a
/// scripted decoder in tests. Calls may run concurrently; implementations batch them.
/// </summary>
public interface IThreadDecoder
{
    Task<DecodeResult> DecodeAsync(DecodeRequest request, CancellationToken cancellationToken = default);
}
