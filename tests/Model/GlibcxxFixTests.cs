using System.Diagnostics;

namespace AprOrleans.Tests.Model;

/// <summary>
/// build/fix_glibcxx_requirement.py, run by build/LibTorch.targets after Build and Publish: it must weaken exactly the
/// allowed version requirement and refuse a library that needs any other version the system lacks.
/// </summary>
public sealed class GlibcxxFixTests : IDisposable
{
    private const string Allowed = "GLIBCXX_3.4.32";
    private readonly string _root = Directory.CreateTempSubdirectory("apr-glibcxx-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void TheOutputCopyIsPatchedAndThePackageCopyIsFixedOnlyForTheAllowedVersion()
    {
        // The build output's copy (the one TorchSharp loads) carries the weak flag.
        var output = Path.Combine(AppContext.BaseDirectory, "libLibTorchSharp.so");
        Assert.Contains($"libstdc++.so.6 {Allowed} weak", Run("--list", output).Out);

        // The package's original copy: refused unless that one version may be weakened (Debian 12's libstdc++ stops
        // at GLIBCXX_3.4.30, as on CI; a system that has 3.4.32 would need no fix at all).
        var original = Path.Combine(
            Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"),
            "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(original), $"missing {original}");
        var copy = Path.Combine(_root, "libLibTorchSharp.so");
        File.Copy(original, copy);
        var listed = Run("--list", copy).Out;
        Assert.Contains($"libstdc++.so.6 {Allowed}\n", listed);
        Assert.Contains("libstdc++.so.6 GLIBCXX_3.4.19\n", listed);

        var refused = Run(copy);
        Assert.Equal(1, refused.Code);
        Assert.Contains(Allowed, refused.Err);
        Assert.Equal(File.ReadAllBytes(original), File.ReadAllBytes(copy));

        var fixedRun = Run("--weaken", Allowed, copy);
        Assert.True(fixedRun.Code == 0, fixedRun.Err);
        var after = Run("--list", copy).Out;
        Assert.Contains($"libstdc++.so.6 {Allowed} weak", after);
        // Nothing else changed: same requirements, only that one flag differs.
        Assert.Equal(listed.Replace($"{Allowed}\n", $"{Allowed} weak\n"), after);
        Assert.Equal(1, File.ReadAllBytes(original).Zip(File.ReadAllBytes(copy)).Count(p => p.First != p.Second));
    }

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var psi = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(RepositoryPaths.Root, "build", "fix_glibcxx_requirement.py"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, err);
    }
}
