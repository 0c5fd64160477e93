using System.Diagnostics;

namespace AprOrleans.Tests.Service;

/// <summary>
/// Runs the real `apr` tool from the client's own build output. (The copy beside the tests cannot run the
/// Npgsql commands: the test host resolves Microsoft.Extensions.* from the ASP.NET Core framework the silo
/// brings, so those files are not copied next to it, and apr does not run on that framework.)
/// </summary>
internal static class AprCli
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    /// <summary>The client's own apr.dll, found from the repository root above the test binaries.</summary>
    private static string ClientBuild()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}") ? "Debug" : "Release";
        var output = Path.Combine(RepositoryPaths.Root, "client", "bin", configuration, "net10.0");
        var apr = new[] { Path.Combine(output, "linux-x64", "apr.dll"), Path.Combine(output, "apr.dll") }.FirstOrDefault(File.Exists);
        return apr ?? throw new FileNotFoundException($"build the client first: no apr.dll under {output}");
    }

    public static Result Run(params string[] args)
    {
        var apr = ClientBuild();
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(apr);
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
