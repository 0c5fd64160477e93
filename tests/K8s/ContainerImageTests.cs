using System.Text.Json;
using System.Text.RegularExpressions;
using k8s.Models;

namespace AprOrleans.Tests.K8s;

/// <summary>
/// The images (docker/*.Dockerfile) and scripts/containers.sh, which runs them with the manifests' command lines, held
/// against the rendered manifests: a changed command path, user, env name, container, port or field reference fails
/// here unless the images and the script follow. (The script reads command lines and environments from the render
/// itself; these are the assumptions it cannot read: image layout, names it looks up, values it supplies.)
/// </summary>
public sealed partial class ContainerImageTests
{
    private const string Cpu = "k8s/overlays/cpu";

    private static string Read(string path) => File.ReadAllText(Path.Combine(RepositoryPaths.Root, path));

    private static string Script => Read("scripts/containers.sh");

    /// <summary>Dockerfile → the manifest container that runs it and the folder its publish output goes to.</summary>
    public static TheoryData<string, string> Images => new()
    {
        { "docker/silo.Dockerfile", "silo" },
        { "docker/trainer.Dockerfile", "trainer" },
        { "docker/apr.Dockerfile", "apr" },
    };

    private static V1Container ManifestContainer(string folder) => folder switch
    {
        "silo" => Kustomize.SiloContainer(Cpu),
        "trainer" => Kustomize.Single<V1Job>(Cpu, "apr-trainer").Spec.Template.Spec.Containers.Single(),
        _ => Kustomize.Single<V1Job>(Cpu, "apr-migrate").Spec.Template.Spec.Containers.Single(),
    };

    private static V1PodSpec ManifestPod(string folder) => folder switch
    {
        "silo" => Kustomize.Silo(Cpu).Spec.Template.Spec,
        "trainer" => Kustomize.Single<V1Job>(Cpu, "apr-trainer").Spec.Template.Spec,
        _ => Kustomize.Single<V1Job>(Cpu, "apr-migrate").Spec.Template.Spec,
    };

    private static List<List<string>> Stages(string dockerfile)
    {
        var stages = new List<List<string>>();
        foreach (var line in Read(dockerfile).Split('\n'))
        {
            if (line.StartsWith("FROM ", StringComparison.Ordinal)) stages.Add([]);
            if (stages.Count > 0) stages[^1].Add(line.TrimEnd());
        }
        return stages;
    }

    private static string? Instruction(List<string> stage, string name) =>
        stage.LastOrDefault(l => l.StartsWith(name + " ", StringComparison.Ordinal))?[(name.Length + 1)..].Trim();

    /// <summary>
    /// Every runnable stage (cpu, cuda) puts the program where the manifest's command names it, works in that folder
    /// and runs as the manifests' runAsUser; the copied folder is the published one of the same name.
    /// </summary>
    [Theory, MemberData(nameof(Images))]
    public void Runnable_stages_hold_the_program_at_the_manifest_command_path_as_the_manifest_user(string dockerfile, string folder)
    {
        var container = ManifestContainer(folder);
        var line = container.Command.Concat(container.Args ?? []).ToList();
        Assert.Equal("dotnet", line[0]);
        var program = line[1];
        var programFolder = Path.GetDirectoryName(program)!;
        Assert.Equal($"/app/{folder}", programFolder);
        var runAs = ManifestPod(folder).SecurityContext.RunAsUser;
        Assert.NotNull(runAs);

        var runnable = Stages(dockerfile).Where(s => Instruction(s, "ENTRYPOINT") is not null).ToList();
        Assert.NotEmpty(runnable);
        foreach (var stage in runnable)
        {
            Assert.Equal(programFolder, Instruction(stage, "WORKDIR"));
            Assert.Equal($"{runAs}", Instruction(stage, "USER"));
            var copy = stage.Single(l => l.StartsWith("COPY --from=published ", StringComparison.Ordinal)).Split(' ');
            Assert.Equal(programFolder, copy[^1]);
            Assert.StartsWith($"/out/{folder}", copy[^2]);
            Assert.Equal(["dotnet", program], JsonSerializer.Deserialize<string[]>(Instruction(stage, "ENTRYPOINT")!)!);
        }
    }

    /// <summary>
    /// The base images are build arguments whose defaults are the standard images; the program comes from stage
    /// `published`, which is the SDK publish by default or the prebuilt folder that scripts/containers.sh publishes into.
    /// </summary>
    [Theory, MemberData(nameof(Images))]
    public void Base_images_are_arguments_with_standard_defaults_and_the_prebuilt_folder_is_the_scripts(string dockerfile, string folder)
    {
        var text = Read(dockerfile);
        Assert.Matches(@"(?m)^ARG SDK_IMAGE=mcr\.microsoft\.com/dotnet/sdk:", text);
        Assert.Matches(@"(?m)^ARG RUNTIME_IMAGE=mcr\.microsoft\.com/dotnet/(aspnet|runtime):", text);
        Assert.Matches(@"(?m)^ARG PUBLISH=sdk$", text);
        Assert.Matches(@"(?m)^FROM \$\{SDK_IMAGE\} AS publish-sdk$", text);
        Assert.Matches(@"(?m)^FROM publish-\$\{PUBLISH\} AS published$", text);
        Assert.Matches(@"(?m)^FROM \$\{RUNTIME_IMAGE\} AS cpu$", text);
        Assert.Contains($"COPY artifacts/containers/publish/{folder} /out/{folder}", text);
        // No stage names a base image other than through an argument (or scratch / an earlier stage).
        foreach (Match m in Regex.Matches(text, @"(?m)^FROM (\S+)"))
            Assert.True(m.Groups[1].Value.StartsWith("${", StringComparison.Ordinal) || m.Groups[1].Value is "scratch" || m.Groups[1].Value.StartsWith("publish-", StringComparison.Ordinal),
                $"{dockerfile}: FROM {m.Groups[1].Value} is not a build argument");
        // The script publishes the same folder name and builds this file with PUBLISH=prebuilt.
        Assert.Matches($@"\.csproj:{folder}[ ;]", Script);
        Assert.Contains("--build-arg PUBLISH=prebuilt", Script);
        Assert.Contains($"-f {dockerfile} ", Script);
        Assert.Contains("!artifacts/containers/publish/", Read(".dockerignore"));
    }

    /// <summary>The offline .NET base makes `dotnet` (the commands' first word) and the manifests' user, as Microsoft's images do.</summary>
    [Fact]
    public void Offline_dotnet_base_has_the_command_host_and_the_manifest_user()
    {
        var text = Read("docker/debian-dotnet.Dockerfile");
        Assert.Contains("ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet", text);
        var runAs = Kustomize.Silo(Cpu).Spec.Template.Spec.SecurityContext.RunAsUser;
        Assert.Contains($"useradd --uid {runAs} ", text);
    }

    /// <summary>
    /// The PostgreSQL image built offline honours what the manifest's postgres container sets: every env name it gives
    /// is read by the entry point, its runAsUser is the image's user, and its probes' command is on the image's PATH.
    /// </summary>
    [Fact]
    public void Postgres_image_reads_every_env_name_of_the_manifest_and_runs_as_its_user()
    {
        var pod = Kustomize.Single<V1StatefulSet>(Cpu, "apr-postgres").Spec.Template.Spec;
        var container = pod.Containers.Single(c => c.Name == "postgres");
        var entrypoint = Read("docker/postgres-entrypoint.sh");
        var dockerfile = Read("docker/postgres.Dockerfile");
        foreach (var e in container.Env)
            Assert.True(Regex.IsMatch(entrypoint, $@"\b{Regex.Escape(e.Name)}\b"), $"docker/postgres-entrypoint.sh does not read {e.Name}");
        Assert.Null(container.Command);
        Assert.Contains($"USER {pod.SecurityContext.RunAsUser}", dockerfile);
        Assert.Contains($"--uid {pod.SecurityContext.RunAsUser} ", dockerfile);
        Assert.Equal("pg_isready", container.ReadinessProbe.Exec.Command[0]);
        Assert.Contains("ENV PATH=/usr/lib/postgresql/15/bin:", dockerfile);
        Assert.Contains("5432", container.Ports.Select(p => $"{p.ContainerPort}"));
    }

    /// <summary>
    /// What scripts/containers.sh looks up by name exists in the overlay it renders: the objects and containers it runs,
    /// the named ports it publishes, the env names it overrides or reads, the Secret key of the admin token, and every
    /// downward-API field a container reads is one the script supplies.
    /// </summary>
    [Fact]
    public void Names_the_script_uses_exist_in_the_overlay_it_renders()
    {
        var script = Script;
        var overlay = ScriptValue(script, "overlay");
        Assert.Equal(Kustomize.GrpoCpu, overlay);

        foreach (Match m in ResolveCall().Matches(script))
        {
            string kind = m.Groups[1].Value, owner = m.Groups[2].Value, list = m.Groups[3].Value, name = m.Groups[4].Value;
            var spec = kind == "StatefulSet" ? Kustomize.Single<V1StatefulSet>(overlay, owner).Spec.Template.Spec : Kustomize.Single<V1Job>(overlay, owner).Spec.Template.Spec;
            var containers = list == "initContainers" ? spec.InitContainers : spec.Containers;
            if (name.StartsWith('"')) Assert.NotEmpty(containers);
            else Assert.Contains(name, containers.Select(c => c.Name));
        }
        Assert.True(ResolveCall().Matches(script).Count >= 5, "the script resolves fewer containers than expected");

        var silo = Kustomize.SiloContainer(overlay);
        foreach (var port in new[] { "grpc", "http" }) Assert.Contains(port, silo.Ports.Select(p => p.Name));
        Assert.Equal(5080, silo.Ports.Single(p => p.Name == "grpc").ContainerPort);
        Assert.Contains("Apr__ShutdownTimeoutSeconds", Kustomize.All<V1ConfigMap>(overlay).SelectMany(c => c.Data.Keys));

        // The GRPO settings the script overrides and reads are keys of the Job's ConfigMap, used by its containers.
        var grpo = Kustomize.All<V1ConfigMap>(overlay).Single(c => c.Metadata.Name.StartsWith("apr-grpo", StringComparison.Ordinal));
        var overrides = JsonSerializer.Deserialize<Dictionary<string, string>>(ScriptValue(script, "grpo_overrides"))!;
        Assert.NotEmpty(overrides);
        foreach (var key in overrides.Keys.Append("GRPO_EXPERIMENT")) Assert.Contains(key, grpo.Data.Keys);
        var job = Kustomize.Single<V1Job>(overlay, "apr-grpo").Spec.Template.Spec;
        var lines = string.Join(' ', job.InitContainers.Concat(job.Containers).SelectMany(c => c.Args));
        foreach (var key in overrides.Keys) Assert.Contains($"$({key})", lines);
        Assert.StartsWith("/runs/", overrides["GRPO_INIT"]);
        Assert.Contains("/runs", job.Containers.Single(c => c.Name == "trainer").VolumeMounts.Select(v => v.MountPath));
        Assert.Contains("admin-token", Kustomize.Single<V1Secret>(overlay, "apr-secrets").Data.Keys);

        // Downward-API fields: the script answers metadata.name and status.podIP, nothing else.
        var fields = Kustomize.PodTemplates(overlay).SelectMany(t => (t.Template.Spec.InitContainers ?? []).Concat(t.Template.Spec.Containers))
            .SelectMany(c => c.Env ?? []).Where(e => e.ValueFrom?.FieldRef is not null).Select(e => e.ValueFrom.FieldRef.FieldPath).ToHashSet();
        Assert.Subset(new HashSet<string> { "metadata.name", "status.podIP" }, fields);
        foreach (var field in fields) Assert.Contains($"\\\"{field}\\\"", script);

        // Every env source the containers use is one the script resolves; every volume kind is one it mounts.
        foreach (var (owner, template) in Kustomize.PodTemplates(overlay))
        {
            foreach (var c in (template.Spec.InitContainers ?? []).Concat(template.Spec.Containers))
            {
                foreach (var e in c.Env ?? [])
                    Assert.True(e.Value is not null || e.ValueFrom?.SecretKeyRef is not null || e.ValueFrom?.ConfigMapKeyRef is not null || e.ValueFrom?.FieldRef is not null,
                        $"{owner}/{c.Name}: env {e.Name} has a source scripts/containers.sh does not resolve");
                Assert.All(c.EnvFrom ?? [], f => Assert.NotNull(f.ConfigMapRef));
            }
            foreach (var v in template.Spec.Volumes ?? [])
                Assert.True(v.EmptyDir is not null || v.Secret is not null || v.PersistentVolumeClaim is not null,
                    $"{owner}: volume {v.Name} is of a kind scripts/containers.sh does not mount");
        }
    }

    private static string ScriptValue(string script, string name)
    {
        var m = Regex.Match(script, $@"(?m)^{name}=('?)(.*)\1$");
        Assert.True(m.Success, $"scripts/containers.sh sets no {name}=");
        return m.Groups[2].Value;
    }

    /// <summary>`resolve KIND OWNER LIST CONTAINER ...` calls of the script.</summary>
    [GeneratedRegex(@"resolve (StatefulSet|Job) (\S+) (containers|initContainers) (\S+) ")]
    private static partial Regex ResolveCall();
}
