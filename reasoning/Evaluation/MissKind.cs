namespace AprOrleans.Reasoning.Evaluation;

/// <summary>Why a problem was not solved, in the terms a researcher acts on (`apr eval` reports the counts).</summary>
public enum MissKind
{
    /// <summary>
    /// The tree answered, the exact checker refused the answer, and no goal a child reported holds either: the parent
    /// built on (or copied) a wrong child path, or a root that never spawned got its own arithmetic wrong.
    /// </summary>
    WrongAnswer,
    /// <summary>
    /// A child reported a goal whose path the checker accepts, yet the parent's answer, which restates a child's path,
    /// is refused: the right answer was in the parent's context and was copied wrong (an attention failure, not a
    /// search or arithmetic one).
    /// </summary>
    MiscopiedAnswer,
    /// <summary>
    /// The checker refused the answer of a root that spawned and got no goal back from any child: the parent claimed
    /// a goal that no child found.
    /// </summary>
    UnfoundedAnswer,
    /// <summary>A limit or a fault ended the root before it answered (a child's limit shows in how its search ended).</summary>
    LimitOrFault,
    /// <summary>
    /// A child started from a state on a solution path, yet the tree reported no solution: the child missed the goal,
    /// or the parent dropped the goal the child reported.
    /// </summary>
    ChildMissedGoal,
    /// <summary>
    /// No child started on a solution path, but a thread moved to a state on one in its own search (a serial trace's
    /// inline sub-search, or a node a root expanded itself) and the tree still reported no solution: the search
    /// opened the right branch and then missed the goal in it.
    /// </summary>
    SearchMissedGoal,
    /// <summary>
    /// No thread started on, or moved to, a state on a solution path: the search kept none of the successors that lead
    /// to the target (for a Countdown-3 trace, its root pruned every solution) or went the wrong way.
    /// </summary>
    NotFound,
}

public static class MissKinds
{
    /// <summary>The snake_case name used in JSON output.</summary>
    public static string Name(MissKind kind) => kind switch
    {
        MissKind.WrongAnswer => "wrong_answer",
        MissKind.MiscopiedAnswer => "miscopied_answer",
        MissKind.UnfoundedAnswer => "unfounded_answer",
        MissKind.LimitOrFault => "limit_or_fault",
        MissKind.ChildMissedGoal => "child_missed_goal",
        MissKind.SearchMissedGoal => "search_missed_goal",
        MissKind.NotFound => "not_found",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
