using System.CommandLine;
using AprOrleans.Client.Commands;
using AprOrleans.CommandLine;
using AprOrleans.Countdown.IO;
using AprOrleans.Countdown.Trace;

namespace AprOrleans.Client;

/// <summary>
/// Entry point of the `apr` tool, parsed as trainer and bench parse (<see cref="CommandLineProgram"/>). Exit codes:
/// 0 success, 2 bad usage or bad input (one line on stderr saying what is wrong), 1 an unexpected failure.
/// </summary>
public static class Cli
{
    public static RootCommand Build() => new("apr — Adaptive Parallel Reasoning on Countdown")
    {
        DataCommands.Build(),
        SolveCommand.Build(),
        EvalCommand.Build(),
        ReportCommand.Build(),
        CompareCommand.Build(),
        QuickstartCommand.Build(),
        DbCommands.Build(),
        ExperimentCommand.Build(),
    };

    public static int Run(string[] args) => CommandLineProgram.Run("apr", Build(), args, Console.Out, Console.Error, IsBadInput);

    // Unreadable or malformed input files and bad values the libraries reject are the user's to fix, not crashes.
    private static bool IsBadInput(Exception e) =>
        e is InputFileException or TraceFormatException or FileNotFoundException or InvalidDataException or ArgumentException;
}
