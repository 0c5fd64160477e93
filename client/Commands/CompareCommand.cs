using System.CommandLine;
using System.Text.Json;
using AprOrleans.Client.Report;
using AprOrleans.Reasoning.Evaluation.Records;

namespace AprOrleans.Client.Commands;

/// <summary>
/// `apr compare FIRST SECOND`: two recorded eval runs (`apr eval --record`) on the same problems, compared problem by
/// problem with McNemar's exact test, so that a difference of a few problems is not called an improvement. A run of
/// n samples counts a problem as solved when its cons@n is right. Runs on different problem sets are refused (exit 2,
/// naming the second file): unpaired accuracies need another test.
/// </summary>
public static class CompareCommand
{
    // snake_case names, like the records' own.
    private static readonly JsonSerializerOptions SnakeCase = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static Command Build()
    {
        var first = new Argument<string>("FIRST") { Description = "recorded run (JSON Lines from apr eval --record), e.g. the model before" };
        var second = new Argument<string>("SECOND") { Description = "recorded run on the same problems, e.g. the model after" };
        var json = new Option<bool>("--json") { Description = "print the comparison as one JSON object" };
        var command = new Command("compare", "Two recorded eval runs on the same problems, paired: who solves what, and McNemar's exact p")
            { first, second, json };
        command.SetAction(parse =>
        {
            var firstRun = RunRecordFile.Read(parse.GetValue(first)!);
            var secondRun = RunRecordFile.Read(parse.GetValue(second)!);
            ReportRuns.RequireSameProblems(firstRun, secondRun, "a paired test needs the same problems in both runs");
            var comparison = PairedComparison.Of(firstRun, secondRun);
            Console.WriteLine(parse.GetValue(json) ? JsonSerializer.Serialize(comparison, SnakeCase) : comparison.Text());
            return 0;
        });
        return command;
    }
}
