using System.CommandLine;
using AprOrleans.CommandLine;
using AprOrleans.Trainer.Averaging;
using AprOrleans.Trainer.Growth;
using AprOrleans.Trainer.Grpo;
using AprOrleans.Trainer.Sft;

namespace AprOrleans.Trainer.Cli;

/// <summary>
/// <c>trainer VERB [options]</c>, parsed as apr and bench parse (<see cref="CommandLineProgram"/>). Exit codes: 0 done,
/// 2 bad options (one line on stderr naming the option), 1 a failure during the run.
/// </summary>
public static class TrainerCli
{
    public static RootCommand Build(TextWriter stdout, TextWriter stderr) => new("trainer — SFT, growth, averaging and GRPO for the APR model")
    {
        SftCommand.Build(stdout, stderr),
        GrpoCommand.Build(stdout, stderr),
        GrowCommand.Build(stdout, stderr),
        AverageCommand.Build(stdout, stderr),
    };

    public static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr) =>
        CommandLineProgram.Run("trainer", Build(stdout, stderr), args, stdout, stderr);
}
