using System.Globalization;
using AprOrleans.Reasoning.Evaluation.Records;

namespace AprOrleans.Client.Report;

/// <summary>
/// Two recorded runs on the same problems, compared problem by problem (`apr compare`, the report's paired table):
/// how many each solves, the discordant counts and McNemar's exact p.
/// </summary>
public sealed record PairedComparison(PairedSide First, PairedSide Second, int BothSolved, int OnlyFirst, int OnlySecond, int Neither, double PValue)
{
    /// <summary>A problem counts as solved by a run of n samples when its cons@n is right (n = 1: its one sample).</summary>
    public static PairedComparison Of(RecordedRun first, RecordedRun second)
    {
        var firstSolved = RunStatistics.ConsCorrect(first, first.Header.Samples);
        var secondSolved = RunStatistics.ConsCorrect(second, second.Header.Samples);
        var test = McNemar.Test(firstSolved, secondSolved);
        return new(PairedSide.Of(first, firstSolved), PairedSide.Of(second, secondSolved),
            test.BothRight, test.OnlyFirst, test.OnlySecond, test.BothWrong, test.PValue);
    }

    public string Text() =>
        First.Line("first") + Environment.NewLine + Second.Line("second") + Environment.NewLine +
        $"paired  both solve {BothSolved}, only first {OnlyFirst}, only second {OnlySecond}, neither {Neither}; " +
        $"exact McNemar p = {PValue.ToString("G3", CultureInfo.InvariantCulture)}";
}

/// <summary>One run's side of a <see cref="PairedComparison"/>: which run, and how many of the problems it solved.</summary>
public sealed record PairedSide(string Path, string Label, string Mode, int Samples, int Solved, int Problems)
{
    public static PairedSide Of(RecordedRun run, IReadOnlyList<bool> solved) =>
        new(run.Path, run.Header.Label, run.Header.Mode, run.Header.Samples, solved.Count(s => s), solved.Count);

    public string Line(string name) =>
        $"{name,-7} {Path}  {Label} · {Mode}{(Samples > 1 ? $" · cons@{Samples}" : "")}  {Solved} / {Problems} " +
        $"({(Problems == 0 ? 0 : 100.0 * Solved / Problems).ToString("0.0", CultureInfo.InvariantCulture)} %)";
}
