using AprOrleans.Countdown.Problems;
using AprOrleans.Reasoning.Runtime;

namespace AprOrleans.Reasoning.Evaluation;

/// <summary>
/// What one problem's evaluation found: correctness (by the exact checker, and by the paper's released rule,
/// <see cref="Countdown.Checking.PaperCheck"/>), why it was missed (null when correct), compute, latency, and the trees.
/// <see cref="Latency"/> is the whole problem's (its samples decode side by side); <see cref="SampleLatencies"/> has
/// each sample's own, in sample order.
/// </summary>
public sealed record ProblemOutcome(
    Problem Problem,
    bool Correct,
    bool AnyCorrect,
    bool CorrectByPaperCheck,
    string? Answer,
    string? Reason,
    MissKind? Miss,
    int TotalTokens,
    int SequentialTokens,
    IReadOnlyList<int> ChildrenPerSpawn,
    TimeSpan Latency,
    IReadOnlyList<ThreadResult> Trees,
    IReadOnlyList<TimeSpan> SampleLatencies);
