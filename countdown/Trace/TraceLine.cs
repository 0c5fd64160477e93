using System.Collections.Immutable;
using AprOrleans.Countdown.Arithmetic;

namespace AprOrleans.Countdown.Trace;

public enum TraceLineKind
{
    MovingTo,
    CurrentState,
    Exploring,
    Generated,
    Verdict,
    NoSolutionFound,
    InlineSubSearchStart,
    InlineSubSearchExit,
    InlineSubSearchNoSolution,
    CallingSubSearches,
    StartSubSearch,
    EndCallingSubSearches,
    SubSearches,
    EndSubSearches,
    NoSolutionInSubSearch,
    GoalReachedInSubSearch,
}

/// <summary>
/// One parsed line of a trace. Which fields are set depends on <see cref="Kind"/>:
/// node ids for moves, generated nodes and sub-search lines; target/nums/ops for states;
/// the operation for explored and generated nodes; value/target for verdicts; index/level for sub searches.
/// </summary>
public sealed record TraceLine(TraceLineKind Kind)
{
    public string? NodeId { get; init; }
    public int Target { get; init; }
    public ImmutableArray<int> Nums { get; init; } = [];
    public ImmutableArray<Operation> Ops { get; init; } = [];
    public Operation? Op { get; init; }
    public int Value { get; init; }
    public int Index { get; init; }
    public int Level { get; init; }
    /// <summary>A conditioning prefix found before the line's content (root prompt only).</summary>
    public string? Prefix { get; init; }
}
