using System.Diagnostics;

namespace AprOrleans.Tests.Client;

/// <summary>Runs the real `apr` tool (built beside the tests) as a child process.</summary>
internal static class AprProcess
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    public static Result Run(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "apr.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"apr {string.Join(' ', args)} did not finish");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }
}
