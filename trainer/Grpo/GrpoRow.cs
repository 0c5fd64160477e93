using AprOrleans.Model.Rl;

namespace AprOrleans.Trainer.Grpo;

/// <summary>
/// One training row of a GRPO step: a segment with what its loss weight needs from its trajectory (the advantage
/// and how many segments the trajectory has). Rows are independent in the loss, so a step may batch them in any
/// grouping and order.
/// </summary>
public sealed record GrpoRow(TrajectorySegment Segment, double Advantage, int TrajectorySegments)
{
    /// <summary>Positions the row occupies in a batch: its context and every generated token but the last.</summary>
    public int Width => Segment.Context.Length + Segment.Generated.Length - 1;

    public static IEnumerable<GrpoRow> Of(IEnumerable<WeightedTrajectory> trajectories) =>
        trajectories.SelectMany(t => t.Trajectory.Segments.Select(s => new GrpoRow(s, t.Advantage, t.Trajectory.Segments.Count)));
}
