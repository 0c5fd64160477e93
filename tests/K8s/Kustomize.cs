using System.Collections.Concurrent;
using System.Diagnostics;
using k8s;
using k8s.Models;

namespace AprOrleans.Tests.K8s;

/// <summary>
/// Renders k8s/ with `kubectl kustomize` (kubectl v1.32 carries kustomize v5.5) and parses the result with the
/// official client's models. kubectl is required: without it these tests fail, they never skip (scripts/test.sh
/// installs it when a machine lacks it). <c>KUBECTL</c> names another binary.
/// </summary>
internal static class Kustomize
{
    /// <summary>
    /// An operator's overlays with GRPO (test fixtures, as k8s/README.md writes them): the CPU overlay with the
    /// grpo component and a settings patch; the GPU overlay with the grpo-gpu component.
    /// </summary>
    public const string GrpoCpu = "tests/K8s/overlays/cpu-grpo";
    public const string GrpoGpu = "tests/K8s/overlays/gpu-grpo";

    /// <summary>The CPU overlay with the grpo and shared-weights components.</summary>
    public const string GrpoCpuShared = "tests/K8s/overlays/cpu-grpo-shared";

    /// <summary>Every kustomization the tests render; the overlays are what gets deployed.</summary>
    public static readonly string[] Targets = ["k8s/base", "k8s/overlays/cpu", "k8s/overlays/gpu", GrpoCpu, GrpoGpu, GrpoCpuShared];

    private static readonly ConcurrentDictionary<string, Lazy<IReadOnlyList<object>>> Rendered = new();

    /// <summary>
    /// Where the kustomizations are rendered: a copy of k8s/ and the test overlays (same relative layout) in which
    /// k8s/secrets.sh has generated secrets.env, as an operator runs it before a deploy. The checkout itself holds no
    /// secrets.env (the repository ships no secret), so rendering it in place would fail, as it should.
    /// </summary>
    private static readonly Lazy<string> RenderRoot = new(() =>
    {
        var root = Directory.CreateTempSubdirectory("apr-k8s-render-").FullName;
        foreach (var folder in new[] { "k8s", Path.Combine("tests", "K8s", "overlays") })
            CopyFolder(Path.Combine(RepositoryPaths.Root, folder), Path.Combine(root, folder));
        File.Delete(Path.Combine(root, "k8s", "base", "secrets.env"));
        var generate = Process.Start(new ProcessStartInfo("bash", [Path.Combine(root, "k8s", "secrets.sh")]) { RedirectStandardError = true })!;
        var said = generate.StandardError.ReadToEnd();
        generate.WaitForExit();
        if (generate.ExitCode != 0) throw new InvalidOperationException($"k8s/secrets.sh failed ({generate.ExitCode}): {said}");
        return root;
    });

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var folder in Directory.EnumerateDirectories(from)) CopyFolder(folder, Path.Combine(to, Path.GetFileName(folder)));
    }

    /// <summary>A file k8s/secrets.sh generated for the renders (secrets.env, silo-tls.crt, silo-tls.key): the rendered Secrets hold its content.</summary>
    public static string GeneratedFile(string name) => Path.Combine(RenderRoot.Value, "k8s", "base", name);

    /// <summary>The objects of one kustomization (cached: the render is deterministic).</summary>
    public static IReadOnlyList<object> Render(string target) =>
        Rendered.GetOrAdd(target, t => new Lazy<IReadOnlyList<object>>(() => Parse(RenderYaml(t)))).Value;

    public static string RenderYaml(string target)
    {
        var kubectl = FindKubectl();
        var info = new ProcessStartInfo(kubectl) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("kustomize");
        info.ArgumentList.Add(Path.Combine(RenderRoot.Value, target));
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubectl kustomize {target} did not finish");
        }
        if (process.ExitCode != 0) throw new InvalidOperationException($"kubectl kustomize {target} failed ({process.ExitCode}): {stderr.Result}");
        return stdout.Result;
    }

    /// <summary>
    /// Strict parsing: an unknown field (a typo such as `containerport`) or an unknown apiVersion/kind throws, so a
    /// manifest the API server would reject or silently ignore fails here.
    /// </summary>
    public static IReadOnlyList<object> Parse(string yaml) => KubernetesYaml.LoadAllFromString(yaml, typeMap: null, strict: true);

    public static IEnumerable<T> All<T>(string target) => Render(target).OfType<T>();

    public static T Single<T>(string target, string name) where T : IKubernetesObject<V1ObjectMeta> =>
        All<T>(target).SingleOrDefault(o => o.Metadata.Name == name)
        ?? throw new InvalidOperationException($"{target} renders no {typeof(T).Name} named {name}");

    public static V1StatefulSet Silo(string target) => Single<V1StatefulSet>(target, "apr-silo");

    public static V1Container SiloContainer(string target) => Silo(target).Spec.Template.Spec.Containers.Single(c => c.Name == "silo");

    /// <summary>Every pod template the render holds (StatefulSets and Jobs), with the name of its owner.</summary>
    public static IEnumerable<(string Owner, V1PodTemplateSpec Template)> PodTemplates(string target)
    {
        foreach (var s in All<V1StatefulSet>(target)) yield return ($"StatefulSet/{s.Metadata.Name}", s.Spec.Template);
        foreach (var j in All<V1Job>(target)) yield return ($"Job/{j.Metadata.Name}", j.Spec.Template);
        foreach (var d in All<V1Deployment>(target)) yield return ($"Deployment/{d.Metadata.Name}", d.Spec.Template);
    }

    public static string FindKubectl()
    {
        var named = Environment.GetEnvironmentVariable("KUBECTL");
        if (!string.IsNullOrWhiteSpace(named))
            return File.Exists(named) ? named : throw new FileNotFoundException($"KUBECTL={named} does not exist");
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var path = Path.Combine(dir, "kubectl");
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException(
            "kubectl is not installed: the Kubernetes tests need it to render k8s/ (scripts/test.sh installs it with " +
            "`apt-get install -y kubernetes-client`; or set KUBECTL)");
    }
}
