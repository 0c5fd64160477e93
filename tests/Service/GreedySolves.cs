using AprOrleans.Api;

namespace AprOrleans.Tests.Service;

/// <summary>The small greedy APR solve the engine-backed service tests send: 24 from 4, 9, 3 with a token cap per thread.</summary>
internal static class GreedySolves
{
    public static SolveRequest Of24(int maxTokensPerThread) => new()
    {
        Numbers = { 4, 9, 3 },
        Target = 24,
        Mode = Mode.Apr,
        Limits = new Limits { MaxTokensPerThread = maxTokensPerThread },
        Sampling = new Sampling { Temperature = 0 },
    };
}
