using AprOrleans.Interfaces.Batching;
using AprOrleans.Interfaces.Solving;
using AprOrleans.Reasoning.Runtime;

namespace AprOrleans.Grains.Decoding;

/// <summary>Converts between the runtime's decode records and their Orleans wire forms.</summary>
public static class DecodeWireMapping
{
    public static SamplingWire ToWire(this SamplingSettings s) => new(s.Temperature, s.TopK, s.TopP, s.Seed);

    public static SamplingSettings FromWire(this SamplingWire s) => new(s.Temperature, s.TopK, s.TopP, s.Seed);

    public static TreeLimits FromWire(this TreeLimitsWire l) => new()
    {
        MaxChildrenPerSpawn = l.MaxChildrenPerSpawn,
        MaxDepth = l.MaxDepth,
        MaxTokensPerThread = l.MaxTokensPerThread,
        MaxTotalTokens = l.MaxTotalTokens,
        MaxSpawnsPerThread = l.MaxSpawnsPerThread,
    };

    public static DecodeCall ToWire(this DecodeRequest r) =>
        new([.. r.Context], r.MaxNewTokens, [.. r.StopTokens], r.Sampling.ToWire());

    public static DecodeRequest FromWire(this DecodeCall c) =>
        new(c.Context, c.MaxNewTokens, c.StopTokens.ToHashSet(), c.Sampling.FromWire());

    public static DecodeReply ToWire(this DecodeResult r) =>
        new([.. r.Tokens], [.. r.LogProbs], [.. r.WeightVersions], (DecodeStopWire)(int)r.Stop, r.QueueTime, r.DecodeTime);

    public static DecodeResult FromWire(this DecodeReply r) =>
        new(r.Tokens, r.LogProbs, r.WeightVersions, (DecodeStop)(int)r.Stop, r.QueueTime, r.DecodeTime);
}
