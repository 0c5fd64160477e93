using AprOrleans.Countdown.Problems;
using AprOrleans.Model.Runtime;

namespace AprOrleans.Model.Evaluation;

/// <summary>
/// What one problem's evaluation found: correctness, why it was missed (null when correct), compute, latency,
/// and the trees themselves.
/// </summary>
public sealed record ProblemOutcome(
    Problem Problem,
    bool Correct,
    bool AnyCorrect,
    string? Answer,
    string? Reason,
    MissKind? Miss,
    int TotalTokens,
    int SequentialTokens,
    IReadOnlyList<int> ChildrenPerSpawn,
    TimeSpan Latency,
    IReadOnlyList<ThreadResult> Trees);
