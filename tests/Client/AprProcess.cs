using AprOrleans.Tests.Service;

namespace AprOrleans.Tests.Client;

/// <summary>Runs the real `apr` tool as a child process (the client's own build; see <see cref="AprCli"/>).</summary>
internal static class AprProcess
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    public static Result Run(params string[] args)
    {
        var r = AprCli.Run(args);
        return new Result(r.ExitCode, r.StdOut, r.StdErr);
    }
}
