using AprOrleans.Countdown.Arithmetic;
using AprOrleans.Countdown.Problems;
using AprOrleans.Countdown.Trace;

namespace AprOrleans.Countdown.Checking;

/// <summary>
/// The exact checker (and so the RL reward): replays a solution path against the original problem with
/// integer arithmetic over the multiset of numbers. Each step must use two numbers that are still there,
/// put the larger operand first, be arithmetically exact (division only when exact, never by zero), and
/// every line must agree with the replay; the path must end with one number equal to the target.
/// </summary>
public static class SolutionChecker
{
    /// <summary>Checks a whole trace: extracts its answer first.</summary>
    public static CheckResult CheckTrace(Problem problem, string trace) =>
        AnswerExtractor.Extract(trace) is { } answer
            ? Check(problem, answer)
            : CheckResult.Invalid("the trace reaches no goal (fewer than two 'Goal Reached')");

    /// <summary>Checks a solution path (the text after the second-to-last "Goal Reached").</summary>
    public static CheckResult Check(Problem problem, string solutionPath)
    {
        var lines = solutionPath.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length == 0) return CheckResult.Invalid("empty answer");
        var parsed = new List<TraceLine>(lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            if (!TraceParser.TryParse(lines[i], out var line, out var error))
                return CheckResult.Invalid($"line {i + 1}: {error}");
            parsed.Add(line);
        }
        try
        {
            Replay(problem, parsed);
            return CheckResult.Ok;
        }
        catch (InvalidSolution e)
        {
            return CheckResult.Invalid(e.Message);
        }
    }

    private sealed class InvalidSolution(string message) : Exception(message);

    private static void Replay(Problem problem, List<TraceLine> lines)
    {
        // The path is a sequence of steps: Moving, Current State, Exploring, then Generated (inner step)
        // or the goal verdict (last step).
        if (lines.Count % 4 != 0)
            throw new InvalidSolution($"expected steps of 4 lines (Moving, Current State, Exploring, Generated/verdict), got {lines.Count} lines");
        var multiset = new NumberMultiset(problem.Nums);
        var history = new List<Operation>();
        int steps = lines.Count / 4;
        for (int s = 0; s < steps; s++)
        {
            var (moving, state, exploring, outcome) = (lines[4 * s], lines[4 * s + 1], lines[4 * s + 2], lines[4 * s + 3]);
            int at = 4 * s + 1;
            Expect(moving, TraceLineKind.MovingTo, at);
            Expect(state, TraceLineKind.CurrentState, at + 1);
            Expect(exploring, TraceLineKind.Exploring, at + 2);
            if (state.Target != problem.Target)
                throw new InvalidSolution($"line {at + 1}: target {state.Target} is not the problem's {problem.Target}");

            if (s == 0)
            {
                // A path may start below the root (a child's path): its earlier operations replay first.
                foreach (var op in state.Ops) ApplyOp(multiset, op, $"line {at + 1}");
                history.AddRange(state.Ops);
            }
            else if (!state.Ops.SequenceEqual(history))
            {
                throw new InvalidSolution($"line {at + 1}: operations [{string.Join(", ", state.Ops)}] do not match the path so far [{string.Join(", ", history)}]");
            }
            RequireSameNumbers(state.Nums, multiset, $"line {at + 1}");

            var step = exploring.Op!.Value;
            ApplyOp(multiset, step, $"line {at + 2}");
            history.Add(step);
            RequireSameNumbers(exploring.Nums, multiset, $"line {at + 2}");

            bool last = s == steps - 1;
            if (!last)
            {
                Expect(outcome, TraceLineKind.Generated, at + 3);
                if (outcome.Op != step) throw new InvalidSolution($"line {at + 3}: operation {outcome.Op} differs from the explored {step}");
                if (outcome.Target != problem.Target) throw new InvalidSolution($"line {at + 3}: target {outcome.Target} is not the problem's {problem.Target}");
                RequireSameNumbers(outcome.Nums, multiset, $"line {at + 3}");
                if (lines[4 * (s + 1)].NodeId != outcome.NodeId)
                    throw new InvalidSolution($"line {at + 4}: moves to #{lines[4 * (s + 1)].NodeId}, not the generated #{outcome.NodeId}");
            }
            else
            {
                Expect(outcome, TraceLineKind.Verdict, at + 3);
                if (multiset.Numbers.Count != 1)
                    throw new InvalidSolution($"line {at + 3}: {multiset.Numbers.Count} numbers remain [{multiset}]; every number must be used");
                if (multiset.Numbers[0] != problem.Target || outcome.Value != problem.Target || outcome.Target != problem.Target)
                    throw new InvalidSolution($"line {at + 3}: reaches {multiset.Numbers[0]}, not the target {problem.Target}");
            }
        }
    }

    private static void ApplyOp(NumberMultiset multiset, Operation op, string where)
    {
        if (multiset.Apply(op) is { } fault) throw new InvalidSolution($"{where}: {fault}");
    }

    private static void RequireSameNumbers(IEnumerable<int> written, NumberMultiset actual, string where)
    {
        if (!actual.SameAs(written))
            throw new InvalidSolution($"{where}: numbers [{string.Join(", ", written)}] should be [{actual}]");
    }

    private static void Expect(TraceLine line, TraceLineKind kind, int lineNumber)
    {
        if (line.Kind != kind) throw new InvalidSolution($"line {lineNumber}: expected {kind}, found {line.Kind}");
    }
}
