using System.CommandLine;
using AprOrleans.CommandLine;
using AprOrleans.Countdown.Checking;
using AprOrleans.Countdown.Problems;

namespace AprOrleans.Client.Commands;

/// <summary>
/// `apr data check`: the exact checker over an answer file, line i answering problem i, and the total by the paper's
/// released rule (<see cref="PaperCheck"/>) beside it.
/// </summary>
public static class CheckCommand
{
    public static Command Build()
    {
        var problems = new Option<string>("--problems") { Description = "problem file (JSON Lines)", Required = true };
        var answers = new Option<string>("--answers") { Description = "answers file: JSON Lines {\"answer\": \"<solution path>\"}", Required = true };
        var command = new Command("check", "Check answers exactly against their problems") { problems, answers };
        command.SetAction(parse => Run(parse.GetValue(problems)!, parse.GetValue(answers)!));
        return command;
    }

    private static int Run(string problemsPath, string answersPath)
    {
        var problems = ProblemFile.Read(problemsPath);
        var answers = AnswerFile.Read(answersPath);
        if (answers.Count != problems.Count)
            throw new UsageException($"{answersPath}: {answers.Count} answers for {problems.Count} problems in {problemsPath}");
        int valid = 0, validByPaperCheck = 0;
        for (int i = 0; i < problems.Count; i++)
        {
            var result = SolutionChecker.Check(problems[i], answers[i]);
            if (result.Valid) valid++;
            if (PaperCheck.Check(problems[i], answers[i]).Valid) validByPaperCheck++;
            Console.WriteLine($"{i + 1}: {result}");
        }
        Console.WriteLine($"accuracy {valid}/{problems.Count} = {(double)valid / Math.Max(1, problems.Count):P2}");
        Console.WriteLine($"by the paper's released check (operation lines only): {validByPaperCheck}/{problems.Count} = {(double)validByPaperCheck / Math.Max(1, problems.Count):P2}");
        return 0;
    }
}
