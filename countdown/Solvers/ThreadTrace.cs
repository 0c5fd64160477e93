using AprOrleans.Countdown.Trace;

namespace AprOrleans.Countdown.Solvers;

/// <summary>
/// One search thread as the solver produced it: its start node, its segments (a parent has one segment
/// per spawn plus a final one), the children of each spawn, and the goal node if it reached one.
/// Segment k+1 begins with segment k's text before its spawn block, followed by the join block.
/// </summary>
public sealed record ThreadTrace(
    SearchNode Start,
    int Level,
    IReadOnlyList<string> Segments,
    IReadOnlyList<IReadOnlyList<ThreadTrace>> Spawns,
    SearchNode? Goal)
{
    public bool Solved => Goal is not null;

    /// <summary>This thread and all of its descendants, parent first.</summary>
    public IEnumerable<ThreadTrace> SelfAndDescendants()
    {
        yield return this;
        foreach (var spawn in Spawns)
        {
            foreach (var child in spawn)
            {
                foreach (var t in child.SelfAndDescendants()) yield return t;
            }
        }
    }
}
