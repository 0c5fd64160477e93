using AprOrleans.Countdown.Problems;
using AprOrleans.Model.Runtime;

namespace AprOrleans.Model.Evaluation;

/// <summary>What one problem's evaluation found: correctness, compute, latency, and the trees themselves.</summary>
public sealed record ProblemOutcome(
    Problem Problem,
    bool Correct,
    bool AnyCorrect,
    string? Answer,
    string? Reason,
    int TotalTokens,
    int SequentialTokens,
    IReadOnlyList<int> ChildrenPerSpawn,
    TimeSpan Latency,
    IReadOnlyList<ThreadResult> Trees);
