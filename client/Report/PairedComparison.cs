using System.Globalization;
using System.Text.Json.Serialization;
using AprOrleans.Reasoning.Evaluation.Records;

namespace AprOrleans.Client.Report;

/// <summary>
/// Two recorded runs on the same problems, compared problem by problem (`apr compare`): how many each solves, the
/// discordant counts and McNemar's exact p. JSON names are snake_case like the records'.
/// </summary>
public sealed record PairedComparison(
    [property: JsonPropertyName("first")] PairedSide First,
    [property: JsonPropertyName("second")] PairedSide Second,
    [property: JsonPropertyName("both_solved")] int BothSolved,
    [property: JsonPropertyName("only_first")] int OnlyFirst,
    [property: JsonPropertyName("only_second")] int OnlySecond,
    [property: JsonPropertyName("neither")] int Neither,
    [property: JsonPropertyName("p_value")] double PValue)
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
public sealed record PairedSide(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("mode")] string Mode,
    [property: JsonPropertyName("samples")] int Samples,
    [property: JsonPropertyName("solved")] int Solved,
    [property: JsonPropertyName("problems")] int Problems)
{
    public static PairedSide Of(RecordedRun run, IReadOnlyList<bool> solved) =>
        new(run.Path, run.Header.Label, run.Header.Mode, run.Header.Samples, solved.Count(s => s), solved.Count);

    public string Line(string name) =>
        $"{name,-7} {Path}  {Label} · {Mode}{(Samples > 1 ? $" · cons@{Samples}" : "")}  {Solved} / {Problems} " +
        $"({(Problems == 0 ? 0 : 100.0 * Solved / Problems).ToString("0.0", CultureInfo.InvariantCulture)} %)";
}
