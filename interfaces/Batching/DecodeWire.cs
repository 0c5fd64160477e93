namespace AprOrleans.Interfaces.Batching;

/// <summary>Sampling settings on the wire (mirrors the runtime's SamplingSettings).</summary>
[GenerateSerializer, Immutable, Alias("apr.SamplingWire")]
public sealed record SamplingWire(
    [property: Id(0)] float Temperature,
    [property: Id(1)] int TopK,
    [property: Id(2)] float TopP,
    [property: Id(3)] long Seed);

/// <summary>A decode request on the wire: full context, token limit, stop token ids, sampling.</summary>
[GenerateSerializer, Immutable, Alias("apr.DecodeCall")]
public sealed record DecodeCall(
    [property: Id(0)] int[] Context,
    [property: Id(1)] int MaxNewTokens,
    [property: Id(2)] int[] StopTokens,
    [property: Id(3)] SamplingWire Sampling);

[GenerateSerializer, Alias("apr.DecodeStopWire")]
public enum DecodeStopWire
{
    EndOfSequence = 0,
    StopToken = 1,
    TokenLimit = 2,
}

/// <summary>A decode result on the wire: tokens with their log-probs and weight versions, stop reason, timings.</summary>
[GenerateSerializer, Immutable, Alias("apr.DecodeReply")]
public sealed record DecodeReply(
    [property: Id(0)] int[] Tokens,
    [property: Id(1)] float[] LogProbs,
    [property: Id(2)] long[] WeightVersions,
    [property: Id(3)] DecodeStopWire Stop,
    [property: Id(4)] TimeSpan QueueTime,
    [property: Id(5)] TimeSpan DecodeTime);

/// <summary>What <see cref="IBatchingGrain.Describe"/> reports; <see cref="Load"/> is null for a decoder that reports none.</summary>
[GenerateSerializer, Immutable, Alias("apr.BatcherInfo")]
public sealed record BatcherInfo(
    [property: Id(0)] string Key,
    [property: Id(1)] string HostSiloName,
    [property: Id(2)] string HostSiloAddress,
    [property: Id(3)] long DecodeCalls,
    [property: Id(4)] long WeightVersion,
    [property: Id(5)] BatcherLoad? Load = null);

/// <summary>The batcher's engine load when it was described (see <c>DecoderLoad</c> in the reasoning runtime).</summary>
[GenerateSerializer, Immutable, Alias("apr.BatcherLoad")]
public sealed record BatcherLoad(
    [property: Id(0)] int RunningSequences,
    [property: Id(1)] int QueuedRequests,
    [property: Id(2)] int Slots,
    [property: Id(3)] int KvPagesInUse,
    [property: Id(4)] int KvPages,
    [property: Id(5)] long GeneratedTokens);
