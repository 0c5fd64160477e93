using System.Diagnostics;

namespace AprOrleans.Tests.Service;

/// <summary>
/// The PostgreSQL the service tests use: <c>APR_TEST_POSTGRES</c> (set by scripts/test.sh), or else a private
/// cluster started with scripts/postgres.sh. When neither works the tests fail; they never skip.
/// </summary>
internal static class TestPostgres
{
    private static readonly Lazy<string> Connection = new(Resolve, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string ConnectionString => Connection.Value;

    private static string Resolve()
    {
        var fromEnv = Environment.GetEnvironmentVariable("APR_TEST_POSTGRES");
        if (!string.IsNullOrWhiteSpace(fromEnv)) return fromEnv;
        var script = Path.Combine(RepositoryPaths.Root, "scripts", "postgres.sh");
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(script);
        info.ArgumentList.Add("start");
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException("APR_TEST_POSTGRES is not set and scripts/postgres.sh start did not finish");
        }
        var line = stdout.Result.Trim().Split('\n').LastOrDefault() ?? "";
        if (process.ExitCode != 0 || !line.StartsWith("Host=", StringComparison.Ordinal))
            throw new InvalidOperationException($"APR_TEST_POSTGRES is not set and scripts/postgres.sh start failed: {stderr.Result.Trim()}");
        return line;
    }
}
