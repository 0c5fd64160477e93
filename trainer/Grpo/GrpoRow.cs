using AprOrleans.Reasoning.Rl;

namespace AprOrleans.Trainer.Grpo;

/// <summary>
/// One training row of a GRPO step: the consecutive segments of one trajectory that share a prefix — in practice a
/// parent thread's segments, each spawn's segment continuing into the next after its join — with what their loss
/// weights need from the trajectory (the advantage and how many segments the trajectory has). Rows are independent in
/// the loss, so a step may batch them in any grouping and order.
/// <para>
/// A parent's next segment is decoded from its earlier context, the earlier segment's tokens up to the spawn call,
/// and the join block. Training each segment as a row of its own forwards that shared prefix once per segment; a
/// chained row forwards it once. Its <b>main</b> sequence is the last segment's context and tokens, where every
/// segment's tokens before its branch point are targets as well (a causal model gives them the same logits there).
/// The tokens after a branch point — the spawn call, dropped from the context at the join — form a <b>tail</b>: a
/// short branch at its original positions that attends to the main sequence before the branch point and to itself
/// (<see cref="AprOrleans.Model.Network.TailAttention"/>).
/// </para>
/// </summary>
public sealed record GrpoRow(IReadOnlyList<TrajectorySegment> Segments, double Advantage, int TrajectorySegments)
{
    /// <summary>The segment whose context and tokens are the main sequence.</summary>
    public TrajectorySegment Last => Segments[^1];

    /// <summary>Positions of the main sequence: the last segment's context and every generated token but its last.</summary>
    public int MainWidth => Last.Context.Length + Last.Generated.Length - 1;

    /// <summary>
    /// For each segment but the last, the length of the prefix its context and tokens share with the next segment's
    /// context (at least its own context: <see cref="Continues"/>); its tokens past that are its tail. Computed once,
    /// with the row: packing reads the widths many times.
    /// </summary>
    public IReadOnlyList<int> BranchPoints { get; } = [.. Segments.Zip(Segments.Skip(1), (a, b) => SharedPrefix(a, b.Context))];

    /// <summary>Tail tokens of segment <paramref name="k"/> (0 for the last, whose tokens all lie on the main sequence).</summary>
    public int TailLength(int k) => k == Segments.Count - 1 ? 0 : Segments[k].Context.Length + Segments[k].Generated.Length - BranchPoints[k];

    /// <summary>Positions of all tails together.</summary>
    public int TailWidth => Enumerable.Range(0, Segments.Count - 1).Sum(TailLength);

    /// <summary>Positions the row occupies in a batch.</summary>
    public int Width => MainWidth + TailWidth;

    /// <summary>Generated tokens of the row's segments (its targets).</summary>
    public int GeneratedTokens => Segments.Sum(s => s.Generated.Length);

    /// <summary>Each trajectory's segments, consecutive ones chained into one row while each continues the previous.</summary>
    public static IEnumerable<GrpoRow> Of(IEnumerable<WeightedTrajectory> trajectories)
    {
        foreach (var t in trajectories)
        {
            var segments = t.Trajectory.Segments;
            var chain = new List<TrajectorySegment>();
            foreach (var segment in segments)
            {
                if (chain.Count > 0 && !Continues(chain[^1], segment))
                {
                    yield return new GrpoRow(chain, t.Advantage, segments.Count);
                    chain = [];
                }
                chain.Add(segment);
            }
            if (chain.Count > 0) yield return new GrpoRow(chain, t.Advantage, segments.Count);
        }
    }

    /// <summary>
    /// Whether <paramref name="next"/> was decoded from a longer context that starts with <paramref name="previous"/>'s
    /// (extended by some of its tokens and then anything else): token content decides, so the logits computed on the
    /// shared prefix are exactly the ones each segment alone would get.
    /// </summary>
    public static bool Continues(TrajectorySegment previous, TrajectorySegment next) =>
        next.Context.Length > previous.Context.Length && SharedPrefix(previous, next.Context) >= previous.Context.Length;

    /// <summary>How many leading tokens of <paramref name="a"/>'s context-then-generated sequence equal <paramref name="context"/>'s.</summary>
    private static int SharedPrefix(TrajectorySegment a, int[] context)
    {
        int n = 0;
        int limit = Math.Min(context.Length, a.Context.Length + a.Generated.Length);
        while (n < limit && context[n] == (n < a.Context.Length ? a.Context[n] : a.Generated[n - a.Context.Length])) n++;
        return n;
    }
}
