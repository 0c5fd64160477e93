using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using k8s.Models;

namespace AprOrleans.Tests.K8s;

/// <summary>
/// Runs a rendered container's exact command line as a local process: the command and args of the manifest, with
/// the image's program folders mapped to this checkout's build outputs, and the environment the kubelet would give
/// it (literal env, envFrom ConfigMaps, secretKeyRef from the rendered Secret, downward-API fields), then `$(VAR)`
/// expanded in command and args as Kubernetes does. A test changes only what it names in its overrides.
/// </summary>
internal static partial class ContainerRun
{
    /// <summary>
    /// Image folder → project whose build output holds the same files (docker/*.Dockerfile publishes each project
    /// into that folder). The one place the image layout meets the checkout.
    /// </summary>
    private static readonly Dictionary<string, (string Project, string Assembly)> ImageFolders = new(StringComparer.Ordinal)
    {
        ["/app/silo/"] = ("silo", "AprOrleans.Silo.dll"),
        ["/app/trainer/"] = ("trainer", "trainer.dll"),
        ["/app/apr/"] = ("client", "apr.dll"),
    };

    public sealed record Plan(string FileName, IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string> Environment);

    /// <summary>
    /// The local command line of a container. <paramref name="fields"/> answers downward-API field paths (e.g.
    /// metadata.name); <paramref name="envOverrides"/> replaces environment values after resolution (documented by
    /// each test); <paramref name="argOverrides"/> replaces the value after an option that the manifest must have.
    /// </summary>
    public static Plan Prepare(
        string target,
        V1Container container,
        IReadOnlyDictionary<string, string> fields,
        IReadOnlyDictionary<string, string>? envOverrides = null,
        IReadOnlyDictionary<string, string>? argOverrides = null)
    {
        var env = SiloContract.LiteralEnvironment(target, container);
        foreach (var e in container.Env ?? [])
        {
            if (e.ValueFrom?.SecretKeyRef is { } s) env[e.Name] = SecretValue(target, s.Name, s.Key);
            else if (e.ValueFrom?.FieldRef is { } f)
                env[e.Name] = fields.TryGetValue(f.FieldPath, out var v) ? v : throw new InvalidOperationException($"no local value for field {f.FieldPath}");
            else if (e.ValueFrom?.ConfigMapKeyRef is { } c) env[e.Name] = Kustomize.Single<V1ConfigMap>(target, c.Name).Data[c.Key];
        }
        foreach (var (k, v) in envOverrides ?? new Dictionary<string, string>()) env[k] = v;

        var line = (container.Command ?? []).Concat(container.Args ?? []).Select(a => Expand(a, env)).ToList();
        Assert.NotEmpty(line);
        foreach (var (option, value) in argOverrides ?? new Dictionary<string, string>())
        {
            int i = line.IndexOf(option);
            Assert.True(i >= 0 && i + 1 < line.Count, $"the manifest's command line has no {option} VALUE to override");
            line[i + 1] = value;
        }
        for (int i = 0; i < line.Count; i++) line[i] = MapImagePath(line[i]);
        return new Plan(line[0], line[1..], env);
    }

    /// <summary>Kubernetes' rule: $(VAR) becomes VAR's value when VAR is defined, $$ escapes a dollar, anything else stays.</summary>
    public static string Expand(string text, IReadOnlyDictionary<string, string> env) =>
        ExpansionRegex().Replace(text, m => m.Value == "$$" ? "$" : env.TryGetValue(m.Groups[1].Value, out var v) ? v : m.Value);

    [GeneratedRegex(@"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex ExpansionRegex();

    public static string SecretValue(string target, string name, string key)
    {
        var secret = Kustomize.Single<V1Secret>(target, name);
        if (secret.StringData?.TryGetValue(key, out var s) == true) return s;
        if (secret.Data?.TryGetValue(key, out var b) == true) return Encoding.UTF8.GetString(b);
        throw new InvalidOperationException($"Secret {name} has no key {key}");
    }

    public static string MapImagePath(string argument)
    {
        foreach (var (folder, (project, assembly)) in ImageFolders)
        {
            if (argument.StartsWith(folder, StringComparison.Ordinal)) return Path.Combine(BuildOutput(project, assembly), argument[folder.Length..]);
        }
        return argument;
    }

    /// <summary>
    /// The project's own build output for the configuration the tests were built in: bin/{Configuration}/net10.0, or
    /// its linux-x64 subfolder for the TorchSharp projects (build/LibTorch.targets sets the RID).
    /// </summary>
    private static string BuildOutput(string project, string assembly)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).FullName.Split(Path.DirectorySeparatorChar).Contains("Debug") ? "Debug" : "Release";
        var root = Path.Combine(RepositoryPaths.Root, project, "bin", configuration, "net10.0");
        foreach (var dir in new[] { Path.Combine(root, "linux-x64"), root })
        {
            var runtimeConfig = Path.Combine(dir, Path.ChangeExtension(assembly, ".runtimeconfig.json"));
            if (File.Exists(Path.Combine(dir, assembly)) && File.Exists(runtimeConfig)) return dir;
        }
        throw new FileNotFoundException($"{assembly} is not built under {root} (build the tests, which build {project})");
    }

    /// <summary>A started local process with its output collected.</summary>
    public sealed class Running : IDisposable
    {
        private readonly Process process;
        private readonly StringBuilder output = new();

        public Running(Plan plan, string workingDirectory)
        {
            var info = new ProcessStartInfo(plan.FileName)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = workingDirectory,
            };
            foreach (var a in plan.Arguments) info.ArgumentList.Add(a);
            // A container starts with the image's environment plus the manifest's, not the test runner's: keep only
            // what finds the dotnet host, and drop every inherited setting the programs could read.
            info.Environment.Clear();
            foreach (var name in new[] { "PATH", "HOME", "DOTNET_ROOT", "TMPDIR", "LD_LIBRARY_PATH" })
            {
                if (Environment.GetEnvironmentVariable(name) is { } v) info.Environment[name] = v;
            }
            info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            foreach (var (k, v) in plan.Environment) info.Environment[k] = v;
            process = new Process { StartInfo = info };
            process.OutputDataReceived += (_, e) => Append(e.Data);
            process.ErrorDataReceived += (_, e) => Append(e.Data);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        private void Append(string? line)
        {
            if (line is null) return;
            lock (output) output.AppendLine(line);
        }

        public string Output { get { lock (output) return output.ToString(); } }
        public bool HasExited => process.HasExited;
        public int ProcessId => process.Id;
        public int ExitCode => process.ExitCode;

        /// <summary>What the kubelet sends first when a pod stops.</summary>
        public void Terminate()
        {
            if (kill(process.Id, SigTerm) != 0) throw new InvalidOperationException($"kill(SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
        }

        /// <summary>Waits for the exit (a bound so a hung process fails the test instead of hanging it).</summary>
        public async Task<int> WaitForExitAsync(TimeSpan bound)
        {
            using var cts = new CancellationTokenSource(bound);
            try { await process.WaitForExitAsync(cts.Token); }
            catch (OperationCanceledException) { throw new TimeoutException($"{process.StartInfo.FileName} did not exit within {bound}; output:\n{Output}"); }
            process.WaitForExit(); // flushes the redirected output
            return process.ExitCode;
        }

        public void Dispose()
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.Dispose();
        }

        private const int SigTerm = 15;

        [DllImport("libc", SetLastError = true)]
        private static extern int kill(int pid, int sig);
    }
}
