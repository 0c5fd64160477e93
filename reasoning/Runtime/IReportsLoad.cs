namespace AprOrleans.Reasoning.Runtime;

/// <summary>
/// A decoder that can say how busy it is (the real engine; scripted test decoders need not). Operators and the
/// live view read it through the batching grain, without touching the engine thread.
/// </summary>
public interface IReportsLoad
{
    DecoderLoad Load { get; }
}

/// <summary>
/// A decoder's load at one moment: sequences decoding and waiting, slots, KV pages, and the running count of
/// generated tokens (a reader derives tokens per second from two readings).
/// </summary>
public sealed record DecoderLoad(int RunningSequences, int QueuedRequests, int Slots, int KvPagesInUse, int KvPages, long GeneratedTokens);
