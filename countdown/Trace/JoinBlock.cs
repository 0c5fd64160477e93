using System.Text;
using static AprOrleans.Countdown.Trace.TraceLiterals;

namespace AprOrleans.Countdown.Trace;

/// <summary>What one child returned: its solution path from its own start node, or none.</summary>
public sealed record ChildOutcome(SpawnedChild Child, string? SolutionPath)
{
    public bool Solved => SolutionPath is not null;
}

/// <summary>
/// The join block that replaces a spawn block in the parent's context:
/// "&lt;Sub Searches&gt;", one result per child (with its solution path when solved), "&lt;End Sub Searches&gt;".
/// </summary>
public static class JoinBlock
{
    public static string Render(IReadOnlyList<ChildOutcome> outcomes)
    {
        var sb = new StringBuilder();
        sb.Append(SubSearches).Append('\n');
        foreach (var outcome in outcomes)
        {
            var c = outcome.Child;
            sb.Append(outcome.Solved ? GoalReachedInSubSearch : NoSolutionInSubSearch)
              .Append(c.Index).Append(AtLevel).Append(c.Level).Append(AtNode).Append(c.NodeId).Append(">\n");
            if (outcome.Solved)
            {
                sb.Append(outcome.SolutionPath);
                if (!outcome.SolutionPath!.EndsWith('\n')) sb.Append('\n');
            }
        }
        sb.Append(EndSubSearches).Append('\n');
        return sb.ToString();
    }

    /// <summary>The parent's next context: its text before the spawn block followed by the join block.</summary>
    public static string ResumeContext(SpawnBlock spawn, IReadOnlyList<ChildOutcome> outcomes) =>
        spawn.TextBeforeBlock + Render(outcomes);
}
