using System.Globalization;
using System.Text.RegularExpressions;
using AprOrleans.Countdown.Problems;
using AprOrleans.Countdown.Trace;

namespace AprOrleans.Countdown.Checking;

/// <summary>
/// The rule the APR paper's released evaluation scores an answer by, so that our accuracy can be set beside the
/// paper's tables. Starting from the problem's numbers, every "Exploring Operation: a op b=c, Resulting Numbers: [...]"
/// line must take a and b from the numbers still there, be true in real arithmetic (so a division must be exact), and
/// leave exactly the written resulting numbers in any order; the first "Goal Reached" line must come when only the
/// target remains. Nothing else is read: "Moving to", "Current State" and "Generated Node" lines may be miscopied,
/// operand order is free, and a line that does not read as an operation with a non-negative result is skipped.
/// Neither rule contains the other: <see cref="SolutionChecker"/> (the reward) wants every line to agree with the
/// replay, but it accepts a path that starts at a deeper node (its Operations list replays first), which this rule,
/// starting from the problem's numbers at the first operation line, refuses.
/// </summary>
public static partial class PaperCheck
{
    /// <summary>
    /// Checks a root's whole text, whatever stopped it: the released evaluation extracts the answer from the text, so a
    /// path written before a limit stopped the root still counts.
    /// </summary>
    public static CheckResult CheckTrace(Problem problem, string trace) =>
        AnswerExtractor.Extract(trace) is { } answer
            ? Check(problem, answer)
            : CheckResult.Invalid("the trace reaches no goal (fewer than two 'Goal Reached')");

    /// <summary>Checks a solution path (the text after the second-to-last "Goal Reached").</summary>
    public static CheckResult Check(Problem problem, string solutionPath)
    {
        var numbers = problem.Nums.ToList();
        foreach (var rawLine in solutionPath.Split('\n'))
        {
            var line = rawLine.Trim();
            if (OperationLine().Match(line) is { Success: true } step && Apply(numbers, step) is { } fault)
                return CheckResult.Invalid(fault);
            if (line.Contains("Goal Reached", StringComparison.Ordinal))
                return numbers is [var last] && last == problem.Target
                    ? CheckResult.Ok
                    : CheckResult.Invalid($"'Goal Reached' with [{string.Join(", ", numbers)}] left, not [{problem.Target}]");
        }
        return CheckResult.Invalid("no 'Goal Reached' line");
    }

    /// <summary>Applies one operation line to <paramref name="numbers"/>; null when it holds, else why not.</summary>
    private static string? Apply(List<int> numbers, Match step)
    {
        if (!TryNumber(step.Groups["left"].Value, out var left) || !TryNumber(step.Groups["right"].Value, out var right)
            || !TryNumber(step.Groups["result"].Value, out var result))
            return $"'{step.Value}': a number is too large";
        var text = $"{left}{step.Groups["op"].Value}{right}={result}";
        var remaining = numbers.ToList();
        if (!remaining.Remove(left) || !remaining.Remove(right))
            return $"'{text}' uses a number that is not available in [{string.Join(", ", numbers)}]";
        if (!Holds(left, step.Groups["op"].Value[0], right, result)) return $"'{text}' is not true";
        remaining.Add(result);
        if (!TryNumbers(step.Groups["resulting"].Value, out var written) || !written.Order().SequenceEqual(remaining.Order()))
            return $"'{text}' leaves [{string.Join(", ", remaining)}], not the written [{step.Groups["resulting"].Value}]";
        numbers.Clear();
        numbers.AddRange(written);
        return null;
    }

    private static bool Holds(long left, char op, long right, long result) => op switch
    {
        '+' => left + right == result,
        '-' => left - right == result,
        '*' => left * right == result,
        '/' => right != 0 && left % right == 0 && left / right == result,
        _ => false,
    };

    private static bool TryNumber(string digits, out int value) =>
        int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    private static bool TryNumbers(string list, out List<int> values)
    {
        values = [];
        if (list.Trim().Length == 0) return true;
        foreach (var item in list.Split(','))
        {
            if (!int.TryParse(item.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)) return false;
            values.Add(value);
        }
        return true;
    }

    [GeneratedRegex(@"Exploring Operation:\s*(?<left>[0-9]+)(?<op>[-+*/])(?<right>[0-9]+)=(?<result>[0-9]+),\s*Resulting Numbers:\s*\[(?<resulting>.*?)\]")]
    private static partial Regex OperationLine();
}
