using System.CommandLine;
using AprOrleans.Client.Commands;
using AprOrleans.Countdown.IO;
using AprOrleans.Countdown.Trace;

namespace AprOrleans.Client;

/// <summary>
/// Entry point of the `apr` tool. Exit codes: 0 success, 2 bad usage or bad input (one line on stderr
/// saying what is wrong), 1 an unexpected failure.
/// </summary>
public static class Cli
{
    public static RootCommand Build() => new("apr — Adaptive Parallel Reasoning on Countdown")
    {
        DataCommands.Build(),
        SolveCommand.Build(),
        EvalCommand.Build(),
        ReportCommand.Build(),
        QuickstartCommand.Build(),
        DbCommands.Build(),
        ExperimentCommand.Build(),
    };

    public static int Run(string[] args)
    {
        var parse = Build().Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) Console.Error.WriteLine($"apr: {OneLine(error.Message)}");
            return 2;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (Unwrap(e) is CliException or InputFileException or TraceFormatException or FileNotFoundException or InvalidDataException or ArgumentException)
        {
            Console.Error.WriteLine($"apr: {Unwrap(e).Message}");
            return 2;
        }
    }

    private static string OneLine(string message) =>
        string.Join(' ', message.Split(['\n', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static Exception Unwrap(Exception e) =>
        e is AggregateException { InnerExceptions.Count: 1 } a ? Unwrap(a.InnerException!) : e;
}
