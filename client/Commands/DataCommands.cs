using System.CommandLine;

namespace AprOrleans.Client.Commands;

/// <summary>The `apr data` verb group: problem sets, solver demonstrations, answer checking, vocabulary.</summary>
public static class DataCommands
{
    public static Command Build() => new("data", "Make, select and check Countdown data sets")
    {
        ProblemsCommand.Build(),
        SelectCommand.Build(),
        DemosCommand.Build(),
        CheckCommand.Build(),
        VocabCommand.Build(),
    };
}
