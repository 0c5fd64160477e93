using AprOrleans.Trainer.Cli;

namespace AprOrleans.Tests.Training;

/// <summary>Runs `trainer VERB ARGS` in-process, through the real command line, and captures its exit code, stdout and stderr.</summary>
internal static class TrainerVerb
{
    public static (int Code, string Out, string Err) Run(string verb, string[] args) => Run([verb, .. args]);

    public static (int Code, string Out, string Err) Run(string[] commandLine)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = TrainerCli.Run(commandLine, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
