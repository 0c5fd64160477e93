namespace AprOrleans.Model.Evaluation;

/// <summary>Why a problem was not solved, in the terms a researcher acts on (`apr eval` reports the counts).</summary>
public enum MissKind
{
    /// <summary>The tree answered, and the exact checker refused the answer (an arithmetic or copy error).</summary>
    WrongAnswer,
    /// <summary>
    /// The checker refused an answer the parent wrote after spawning although no child had reached a goal: the
    /// parent claimed a goal that no search found.
    /// </summary>
    UnfoundedAnswer,
    /// <summary>A limit or a fault ended the root before it answered.</summary>
    LimitOrFault,
    /// <summary>A child started from a state on a solution path, yet the tree reported no solution.</summary>
    ChildMissedGoal,
    /// <summary>No child started on a solution path (or none was spawned): the search never opened the right branch.</summary>
    NotFound,
}

public static class MissKinds
{
    /// <summary>The snake_case name used in JSON output.</summary>
    public static string Name(MissKind kind) => kind switch
    {
        MissKind.WrongAnswer => "wrong_answer",
        MissKind.UnfoundedAnswer => "unfounded_answer",
        MissKind.LimitOrFault => "limit_or_fault",
        MissKind.ChildMissedGoal => "child_missed_goal",
        MissKind.NotFound => "not_found",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
