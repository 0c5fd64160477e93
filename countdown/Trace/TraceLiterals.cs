namespace AprOrleans.Countdown.Trace;

/// <summary>
/// The exact phrases of the search-trace language (DESIGN §3, from the APR paper's released code).
/// Every phrase here is a single token in <see cref="Tokenization.CountdownTokenizer"/>.
/// </summary>
public static class TraceLiterals
{
    public const string MovingToNode = "Moving to Node #";
    public const string CurrentState = "Current State: ";
    public const string OperationsList = ", Operations: ";
    public const string ExploringOperation = "Exploring Operation: ";
    public const string ResultingNumbers = ", Resulting Numbers: ";
    public const string GeneratedNode = "Generated Node #";
    public const string NodeOperation = " Operation: ";
    public const string Unequal = " unequal: No Solution";
    public const string Equal = " equal: Goal Reached";
    public const string GoalReached = "Goal Reached";
    public const string NoSolutionFound = "No solution found.";

    // SoS+ inline depth-first sub-search.
    public const string StartInlineSubSearch = "Start Sub Search at level ";
    public const string ExitInlineSubSearch = "Exit Sub Search at level ";
    public const string NoSolutionInInlineSubSearch = "No solution found in sub search";

    // APR spawn and join.
    public const string CallingSubSearches = "<Calling Sub Searches>";
    public const string EndCallingSubSearches = "<End Calling Sub Searches>";
    public const string StartSubSearch = "<Start Sub Search ";
    public const string AtLevel = " at level ";
    public const string SubSearches = "<Sub Searches>";
    public const string EndSubSearches = "<End Sub Searches>";
    public const string NoSolutionInSubSearch = "<No Solution in Sub Search ";
    public const string GoalReachedInSubSearch = "<Goal Reached in Sub Search ";
    public const string AtNode = " at Node #";

    // Conditioning prefixes, on the root prompt's first line.
    public const string SubCallBudget = "Sub Call Budget: ";
    public const string TokenBudget = "Token Budget: ";

    /// <summary>Every phrase above, in a fixed order (the tokenizer's vocabulary order depends on it).</summary>
    public static readonly IReadOnlyList<string> All =
    [
        MovingToNode, CurrentState, OperationsList, ExploringOperation, ResultingNumbers, GeneratedNode,
        NodeOperation, Unequal, Equal, GoalReached, NoSolutionFound,
        StartInlineSubSearch, ExitInlineSubSearch, NoSolutionInInlineSubSearch,
        CallingSubSearches, EndCallingSubSearches, StartSubSearch, AtLevel, SubSearches, EndSubSearches,
        NoSolutionInSubSearch, GoalReachedInSubSearch, AtNode,
        SubCallBudget, TokenBudget,
    ];
}
