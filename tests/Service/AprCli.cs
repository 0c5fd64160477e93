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

    public static Result Run(params string[] args)
    {
        var testBin = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        var tfm = Path.GetFileName(testBin);
        var configuration = Path.GetFileName(Path.GetDirectoryName(testBin)!);
        var root = Path.GetFullPath(Path.Combine(testBin, "..", "..", "..", ".."));
        var apr = Path.Combine(root, "client", "bin", configuration, tfm, "apr.dll");
        if (!File.Exists(apr)) throw new FileNotFoundException($"build the client first: {apr} is missing", apr);

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
