using AprOrleans.Countdown.Problems;

namespace AprOrleans.Countdown.Solvers;

/// <summary>One training sequence of a demonstration: a parent segment or a child thread, with its node.</summary>
public sealed record DemoSequence(string Role, string NodeId, int Level, string Text);

/// <summary>
/// A solver's whole demonstration for one problem: every training sequence (one per parent segment and per
/// child), whether it solved the problem and its answer, and the statistics of DESIGN §3 / issue 2.
/// </summary>
public sealed record Demonstration(
    Problem Problem,
    string Solver,
    int Beam,
    bool Solved,
    string? Answer,
    IReadOnlyList<DemoSequence> Sequences,
    IReadOnlyList<int> ChildrenPerSpawn,
    int TotalTokens,
    int SequentialTokens,
    int TotalChars);
