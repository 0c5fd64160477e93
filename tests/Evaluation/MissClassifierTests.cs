using AprOrleans.Countdown.Problems;
using AprOrleans.Countdown.Tokenization;
using AprOrleans.Reasoning.Evaluation;
using AprOrleans.Reasoning.Runtime;
using AprOrleans.Tests.Runtime;

namespace AprOrleans.Tests.Evaluation;

/// <summary>Scripted trees for 36 from [81, 32, 77] (81-77=4, then 32+4=36), each missed in a different way.</summary>
public class MissClassifierTests
{
    private static readonly Problem Problem = new([81, 32, 77], 36);
    private const string RootPrompt = "Moving to Node #0\nCurrent State: 36:[81, 32, 77], Operations: []";

    private static string Generate(string nodeId, string op, string resulting) =>
        $"Exploring Operation: {op}, Resulting Numbers: [{resulting}]\nGenerated Node #{nodeId}: 36:[{resulting}] Operation: {op}\n";

    /// <summary>A two-step solution path as a thread writes it after its goal: the first step, then the one reaching 36.</summary>
    private static string SolutionPath(string firstOp, string resulting, string lastOp) =>
        RootPrompt + "\n" + Generate("0,0", firstOp, resulting) +
        $"Moving to Node #0,0\nCurrent State: 36:[{resulting}], Operations: ['{firstOp}']\n" +
        $"Exploring Operation: {lastOp}, Resulting Numbers: [36]\n36,36 equal: Goal Reached\n";

    /// <summary>A root that searches down the path itself, reaches its goal, and repeats the path as its answer.</summary>
    private static ScriptedDecoder Answering(string path) => new(_ => "\n" + path[(RootPrompt.Length + 1)..] + path);

    /// <summary>The root opens the given nodes, spawns one child per node, and every child gives up.</summary>
    private static ScriptedDecoder SpawnAndGiveUp(params (string Op, string Resulting)[] nodes) => new(GiveUpScript(nodes));

    private static Func<string, string> GiveUpScript(params (string Op, string Resulting)[] nodes) => context =>
    {
        if (context == RootPrompt)
        {
            var search = string.Concat(nodes.Select((n, i) => Generate($"0,{i}", n.Op, n.Resulting)));
            var starts = string.Concat(nodes.Select((_, i) => $"<Start Sub Search {i} at level 1> Moving to Node #0,{i}\n"));
            return "\n" + search + "<Calling Sub Searches>\n" + starts + "<End Calling Sub Searches>";
        }
        return context.StartsWith("Moving to Node #0,", StringComparison.Ordinal) && !context.Contains("<Sub Searches>")
            ? "\nNo solution found.\n"
            : "No solution found.\n";
    };

    private static async Task<ProblemOutcome> Evaluate(IThreadDecoder decoder, TreeLimits? limits = null)
    {
        var settings = new EvalSettings { Mode = EvalMode.Apr, Limits = limits ?? TreeLimits.Default };
        var (summary, outcomes) = await new Evaluator(decoder, CountdownTokenizer.Default, settings).RunAsync([Problem]);
        var outcome = Assert.Single(outcomes);
        Assert.False(outcome.Correct);
        Assert.Equal(1, summary.Misses![MissKinds.Name(outcome.Miss!.Value)]);
        return outcome;
    }

    [Fact]
    public async Task A_child_that_started_on_the_solution_path_and_gave_up_missed_the_goal()
    {
        var outcome = await Evaluate(SpawnAndGiveUp(("81+77=158", "32, 158"), ("81-77=4", "32, 4")));
        Assert.Equal("no solution found", outcome.Reason);
        Assert.Equal(MissKind.ChildMissedGoal, outcome.Miss);
        Assert.Equal("child_missed_goal", ProblemOutcomeRecord.From(outcome).Miss);
    }

    [Fact]
    public async Task Children_that_all_started_off_the_solution_path_mean_the_search_never_found_it()
    {
        var outcome = await Evaluate(SpawnAndGiveUp(("81+77=158", "32, 158"), ("77+32=109", "81, 109")));
        Assert.Equal(MissKind.NotFound, outcome.Miss);
    }

    [Fact]
    public async Task A_child_whose_state_came_from_wrong_arithmetic_is_not_on_the_solution_path()
    {
        // [32, 4] could reach 36, but '81+77=4' is not how the problem gets there.
        var outcome = await Evaluate(SpawnAndGiveUp(("81+77=4", "32, 4")));
        Assert.Equal(MissKind.NotFound, outcome.Miss);
    }

    /// <summary>
    /// A serial (SoS+) root keeps the given nodes, searches each inline with one losing leaf, and gives up, as the
    /// serial model's "no solution" traces do.
    /// </summary>
    private static ScriptedDecoder SerialGiveUp(params (string Op, string Resulting, string LeafOp, int Leaf)[] nodes) => new(_ =>
        "\n" + string.Concat(nodes.Select((n, i) => Generate($"0,{i}", n.Op, n.Resulting))) +
        string.Concat(nodes.Select((n, i) =>
            $"Start Sub Search at level 1: Moving to Node #0,{i}\nCurrent State: 36:[{n.Resulting}], Operations: ['{n.Op}']\n" +
            $"Exploring Operation: {n.LeafOp}={n.Leaf}, Resulting Numbers: [{n.Leaf}]\n{n.Leaf},36 unequal: No Solution\n" +
            "No solution found.\nExit Sub Search at level 1\nNo solution found in sub search\n")) +
        "No solution found.\n");

    private static async Task<ProblemOutcome> EvaluateSerial(IThreadDecoder decoder)
    {
        var settings = new EvalSettings { Mode = EvalMode.Serial };
        var outcome = Assert.Single((await new Evaluator(decoder, CountdownTokenizer.Default, settings).RunAsync([Problem])).Outcomes);
        Assert.False(outcome.Correct);
        return outcome;
    }

    [Fact]
    public async Task A_serial_search_that_moved_onto_the_solution_path_and_gave_up_missed_the_goal()
    {
        var outcome = await EvaluateSerial(SerialGiveUp(
            ("81+77=158", "32, 158", "158-32", 126),
            ("81-77=4", "32, 4", "32*4", 128)));
        Assert.Equal(MissKind.SearchMissedGoal, outcome.Miss);
        Assert.Equal("search_missed_goal", ProblemOutcomeRecord.From(outcome).Miss);
    }

    [Fact]
    public async Task A_serial_search_that_kept_no_successor_on_a_solution_path_never_found_it()
    {
        // The root's own state is on every solution path; only the states the search moved to afterwards count.
        var outcome = await EvaluateSerial(SerialGiveUp(("81+77=158", "32, 158", "158-32", 126)));
        Assert.Equal(MissKind.NotFound, outcome.Miss);
    }

    [Fact]
    public async Task An_answer_the_checker_refuses_is_a_wrong_answer()
    {
        var wrongPath = SolutionPath("81-77=5", "32, 5", "32+5=36");
        var outcome = await Evaluate(Answering(wrongPath));
        Assert.NotNull(outcome.Answer);
        Assert.Equal(MissKind.WrongAnswer, outcome.Miss);
    }

    [Fact]
    public async Task An_answer_written_after_every_child_gave_up_is_unfounded()
    {
        var giveUp = GiveUpScript(("81-77=4", "32, 4"), ("81+77=158", "32, 158"));
        var claimed = SolutionPath("81-77=5", "32, 5", "32+5=36");
        var decoder = new ScriptedDecoder(context => context.EndsWith("<End Sub Searches>\n", StringComparison.Ordinal)
            ? "36,36 equal: Goal Reached\n" + claimed
            : giveUp(context));
        var outcome = await Evaluate(decoder);
        Assert.NotNull(outcome.Answer);
        Assert.Equal(MissKind.UnfoundedAnswer, outcome.Miss);
    }

    [Fact]
    public async Task A_garbled_copy_of_a_path_a_child_found_is_a_miscopied_answer()
    {
        var outcome = await Evaluate(ChildGoalThenParentAnswer(childLastStep: "32+4=36", parentAnswer: SolutionPath("81-77=5", "32, 5", "32+5=36")));
        Assert.NotNull(Assert.Single(outcome.Trees[0].Spawns.Single()).Answer);
        Assert.Equal(MissKind.MiscopiedAnswer, outcome.Miss);
        Assert.Equal("miscopied_answer", ProblemOutcomeRecord.From(outcome).Miss);
    }

    [Fact]
    public async Task A_faithful_copy_of_a_child_goal_that_does_not_hold_is_a_wrong_answer()
    {
        // The child claims 32+5=36 from [32, 4]: its goal is false, and the parent repeats a false path.
        var outcome = await Evaluate(ChildGoalThenParentAnswer(childLastStep: "32+5=36", parentAnswer: SolutionPath("81-77=4", "32, 4", "32+5=36")));
        Assert.NotNull(Assert.Single(outcome.Trees[0].Spawns.Single()).Answer);
        Assert.Equal(MissKind.WrongAnswer, outcome.Miss);
    }

    /// <summary>The root spawns one child on [32, 4]; the child reaches a goal with <paramref name="childLastStep"/>; the parent answers.</summary>
    private static ScriptedDecoder ChildGoalThenParentAnswer(string childLastStep, string parentAnswer)
    {
        const string childPrompt = "Moving to Node #0,0\nCurrent State: 36:[32, 4], Operations: ['81-77=4']";
        var lastStep = $"\nExploring Operation: {childLastStep}, Resulting Numbers: [36]\n36,36 equal: Goal Reached\n";
        var spawnOne = GiveUpScript(("81-77=4", "32, 4"));
        return new ScriptedDecoder(context =>
            context == childPrompt ? lastStep + childPrompt + lastStep
            : context.EndsWith("<End Sub Searches>\n", StringComparison.Ordinal) ? "36,36 equal: Goal Reached\n" + parentAnswer
            : spawnOne(context));
    }

    [Fact]
    public async Task A_miscopied_state_line_is_a_wrong_answer_that_the_paper_rule_still_counts()
    {
        var path = SolutionPath("81-77=4", "32, 4", "32+4=36").Replace("Generated Node #0,0: 36:[32, 4]", "Generated Node #0,0: 36:[81, 4]");
        var settings = new EvalSettings { Mode = EvalMode.Apr };
        var (summary, outcomes) = await new Evaluator(Answering(path), CountdownTokenizer.Default, settings).RunAsync([Problem]);
        var outcome = Assert.Single(outcomes);
        Assert.False(outcome.Correct);
        Assert.Equal(MissKind.WrongAnswer, outcome.Miss);
        Assert.True(outcome.CorrectByPaperCheck);
        Assert.Equal(0, summary.Accuracy);
        Assert.Equal(1, summary.AccuracyByPaperCheck);
        Assert.True(ProblemOutcomeRecord.From(outcome).CorrectByPaperCheck);
    }

    [Fact]
    public async Task A_path_written_before_a_limit_stopped_the_root_counts_by_the_paper_rule_only()
    {
        // The released evaluation reads the root's text whatever stopped it; our runtime gives such a root no answer.
        var path = SolutionPath("81-77=4", "32, 4", "32+4=36");
        var written = "\n" + path[(RootPrompt.Length + 1)..] + path;
        var rambling = new ScriptedDecoder(_ => written + string.Concat(Enumerable.Repeat(Generate("0,0", "81+77=158", "32, 158"), 50)));
        int limit = CountdownTokenizer.Default.Encode(RootPrompt + written).Count + 10; // the limit counts the prompt too
        var settings = new EvalSettings { Mode = EvalMode.Apr, Limits = TreeLimits.Default with { MaxTokensPerThread = limit } };
        var outcome = Assert.Single((await new Evaluator(rambling, CountdownTokenizer.Default, settings).RunAsync([Problem])).Outcomes);
        Assert.Null(outcome.Answer);
        Assert.Equal(MissKind.LimitOrFault, outcome.Miss);
        Assert.True(outcome.CorrectByPaperCheck);
    }

    [Fact]
    public async Task A_root_stopped_by_a_limit_is_a_limit_or_fault()
    {
        var endless = new ScriptedDecoder(_ => "\n" + string.Concat(Enumerable.Repeat(Generate("0,0", "81+77=158", "32, 158"), 50)));
        var outcome = await Evaluate(endless, TreeLimits.Default with { MaxTokensPerThread = 64 });
        Assert.Equal(MissKind.LimitOrFault, outcome.Miss);
    }

    [Fact]
    public async Task A_solved_problem_has_no_miss()
    {
        var path = SolutionPath("81-77=4", "32, 4", "32+4=36");
        var settings = new EvalSettings { Mode = EvalMode.Apr };
        var (summary, outcomes) = await new Evaluator(Answering(path),
            CountdownTokenizer.Default, settings).RunAsync([Problem]);
        Assert.True(outcomes[0].Correct);
        Assert.Null(outcomes[0].Miss);
        Assert.Empty(summary.Misses!);
    }
}
