using AprOrleans.Client.Remote;
using AprOrleans.Silo.Hosting;
using AprOrleans.Trainer.Grpo;
using k8s.Models;

namespace AprOrleans.Tests.K8s;

/// <summary>
/// The GRPO component (k8s/components/grpo, grpo-gpu) as an operator's overlay renders it (the fixtures under
/// tests/K8s/overlays): Job apr-grpo's images, token, silo address, volume, security context, settings, GPUs and the
/// network paths it needs. The command lines are read after the kubelet's $(VAR) expansion from the pod's envFrom
/// ConfigMap, i.e. as the programs will see them.
/// </summary>
public sealed class GrpoManifestTests
{
    public static TheoryData<string> GrpoTargets => [Kustomize.GrpoCpu, Kustomize.GrpoGpu];

    private static V1Job Job(string target) => Kustomize.Single<V1Job>(target, "apr-grpo");

    private static V1Container Trainer(string target) => Job(target).Spec.Template.Spec.Containers.Single(c => c.Name == "trainer");

    private static IList<V1Container> InitContainers(string target) => Job(target).Spec.Template.Spec.InitContainers;

    private static IEnumerable<V1Container> AllContainers(string target) => InitContainers(target).Concat(Job(target).Spec.Template.Spec.Containers);

    /// <summary>A container's arguments with $(VAR) expanded from its literal env and envFrom ConfigMaps.</summary>
    private static List<string> Expanded(string target, V1Container c)
    {
        var env = SiloContract.LiteralEnvironment(target, c);
        return [.. c.Args.Select(a => ContainerRun.Expand(a, env))];
    }

    private static string After(IList<string> args, string option)
    {
        int i = args.IndexOf(option);
        Assert.True(i >= 0 && i + 1 < args.Count, $"no {option} VALUE in [{string.Join(' ', args)}]");
        return args[i + 1];
    }

    [Theory, MemberData(nameof(GrpoTargets))]
    public void Job_creates_and_starts_the_experiment_then_trains_with_the_overlays_images(string target)
    {
        var sft = Kustomize.Single<V1Job>(target, "apr-trainer").Spec.Template.Spec.Containers.Single();
        var migrate = Kustomize.Single<V1Job>(target, "apr-migrate").Spec.Template.Spec.Containers.Single();
        var trainer = Trainer(target);
        // The trainer and the apr CLI as the overlay builds them (CPU or CUDA, the operator's registry and tags) and as
        // their Dockerfiles start them (ManifestTests ties those commands to the ENTRYPOINTs).
        Assert.Equal(sft.Image, trainer.Image);
        Assert.Equal(sft.Command, trainer.Command);
        Assert.Equal("grpo", trainer.Args[0]);
        Assert.Equal(["create-experiment", "start-experiment"], InitContainers(target).Select(c => c.Name));
        foreach (var init in InitContainers(target))
        {
            Assert.Equal(migrate.Image, init.Image);
            Assert.Equal(migrate.Command, init.Command);
        }
        Assert.Equal(["experiment", "create"], InitContainers(target)[0].Args.Take(2));
        Assert.Equal(["experiment", "start"], InitContainers(target)[1].Args.Take(2));
        Assert.StartsWith("registry.example.com/apr/trainer:", trainer.Image);
        Assert.StartsWith("registry.example.com/apr/cli:", InitContainers(target)[0].Image);

        // All three name the same experiment, and the trainer writes under it.
        var names = AllContainers(target).Select(c => Expanded(target, c)).Select(a => a[0] == "grpo" ? After(a, "--experiment") : a[2]).Distinct().ToList();
        var name = Assert.Single(names);
        Assert.Equal($"/runs/grpo/{name}", After(Expanded(target, trainer), "--out"));

        // Retries continue the run (ManifestTests checks the policy); a finished Job stays, so re-applying is a no-op.
        var job = Job(target);
        Assert.Null(job.Spec.TtlSecondsAfterFinished);
        Assert.Equal("Never", job.Spec.Template.Spec.RestartPolicy);
    }

    [Theory, MemberData(nameof(GrpoTargets))]
    public void Admin_token_comes_from_the_silos_secret_key_in_every_container(string target)
    {
        // The same Secret key the silos check the bearer token against.
        var siloToken = Kustomize.SiloContainer(target).Env.Single(e => e.Name == $"{SiloSettings.Section}__{nameof(SiloSettings.AdminToken)}");
        var token = ContainerRun.SecretValue(target, siloToken.ValueFrom.SecretKeyRef.Name, siloToken.ValueFrom.SecretKeyRef.Key);
        foreach (var c in AllContainers(target))
        {
            var variable = c.Name == "trainer" ? GrpoCommand.TokenVariable : RemoteExperiments.TokenVariable;
            var e = Assert.Single(c.Env, e => e.Name == variable);
            Assert.Null(e.Value);
            Assert.NotNull(e.ValueFrom?.SecretKeyRef);
            Assert.Equal(siloToken.ValueFrom.SecretKeyRef.Name, e.ValueFrom.SecretKeyRef.Name);
            Assert.Equal(siloToken.ValueFrom.SecretKeyRef.Key, e.ValueFrom.SecretKeyRef.Key);
            // Never on the command line, not even by reference: the programs read the variable themselves.
            var args = Expanded(target, c);
            Assert.DoesNotContain("--token", args);
            Assert.DoesNotContain(args, a => a.Contains(token, StringComparison.Ordinal) || a.Contains($"$({variable})", StringComparison.Ordinal));
        }
    }

    [Theory, MemberData(nameof(GrpoTargets))]
    public void Every_container_calls_the_silos_grpc_port_through_the_apr_grpc_service(string target)
    {
        var service = Kustomize.Single<V1Service>(target, "apr-grpc");
        var servicePort = service.Spec.Ports.Single();
        var silo = Kustomize.SiloContainer(target);
        // The Service's target port is the silo container's gRPC port, which is the port the silo is configured to serve.
        var containerPort = silo.Ports.Single(p => p.Name == servicePort.TargetPort.Value).ContainerPort;
        Assert.Equal(SiloContract.Effective(target, silo, nameof(SiloSettings.GrpcPort)), containerPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(NetworkPolicies.Selects(new V1LabelSelector { MatchLabels = service.Spec.Selector }, Kustomize.Silo(target).Spec.Template.Metadata.Labels));

        foreach (var c in AllContainers(target))
        {
            var silos = new Uri(After(Expanded(target, c), "--silo"));
            Assert.Equal("http", silos.Scheme);
            // The short Service name resolves in the Job's own namespace, which must be the Service's.
            Assert.Equal(service.Metadata.Name, silos.Host);
            Assert.Equal(service.Metadata.NamespaceProperty, Job(target).Metadata.NamespaceProperty);
            Assert.Equal(servicePort.Port, silos.Port);
        }
        // The init containers wait for silos that start beside the Job (their startup probe allows 5 minutes).
        foreach (var init in InitContainers(target))
        {
            var startup = Kustomize.SiloContainer(target).StartupProbe;
            Assert.True(int.Parse(After(init.Args, "--retry-seconds"), System.Globalization.CultureInfo.InvariantCulture) > startup.PeriodSeconds * startup.FailureThreshold);
        }
    }

    [Theory, MemberData(nameof(GrpoTargets))]
    public void Trainer_starts_from_and_writes_to_the_runs_volume(string target)
    {
        var pod = Job(target).Spec.Template.Spec;
        var trainer = Trainer(target);
        var mount = Assert.Single(trainer.VolumeMounts, m => m.MountPath == "/runs");
        var volume = Assert.Single(pod.Volumes, v => v.Name == mount.Name);
        Assert.Equal("apr-runs", volume.PersistentVolumeClaim?.ClaimName);
        Assert.Single(Kustomize.All<V1PersistentVolumeClaim>(target), c => c.Metadata.Name == "apr-runs");
        // The SFT Job writes its checkpoints to the same claim, where --init finds them.
        var sft = Kustomize.Single<V1Job>(target, "apr-trainer").Spec.Template.Spec;
        var sftMount = sft.Containers.Single().VolumeMounts.Single(m => m.MountPath == "/runs");
        Assert.Equal("apr-runs", sft.Volumes.Single(v => v.Name == sftMount.Name).PersistentVolumeClaim.ClaimName);

        var args = Expanded(target, trainer);
        // --init is the SFT Job's last checkpoint, whatever its step count.
        var sftArgs = Expanded(target, sft.Containers.Single());
        int sftSteps = int.Parse(After(sftArgs, "--steps"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal($"{After(sftArgs, "--out")}/checkpoints/step-{sftSteps:D8}", After(args, "--init"));
        Assert.Equal("/runs/sft", After(sftArgs, "--out"));
        // ...for a run with no checkpoint yet; a retried pod continues from the run folder's newest one.
        Assert.Equal("auto", After(args, "--resume"));
        Assert.StartsWith("/runs/grpo/", After(args, "--out"));
    }

    [Theory, MemberData(nameof(GrpoTargets))]
    public void Pod_runs_as_the_trainer_job_does_non_root_with_a_read_only_root(string target)
    {
        var pod = Job(target).Spec.Template.Spec;
        var sft = Kustomize.Single<V1Job>(target, "apr-trainer").Spec.Template.Spec;
        Assert.True(pod.SecurityContext.RunAsNonRoot);
        Assert.Equal(1654, pod.SecurityContext.RunAsUser);
        Assert.Equal(1654, pod.SecurityContext.RunAsGroup);
        Assert.Equal(1654, pod.SecurityContext.FsGroup);
        Assert.Equal(sft.SecurityContext.RunAsUser, pod.SecurityContext.RunAsUser);
        Assert.Equal(sft.SecurityContext.FsGroup, pod.SecurityContext.FsGroup);
        Assert.False(pod.AutomountServiceAccountToken);
        var tmp = Assert.Single(pod.Volumes, v => v.Name == "tmp");
        Assert.NotNull(tmp.EmptyDir);
        foreach (var c in AllContainers(target))
        {
            Assert.False(c.SecurityContext.AllowPrivilegeEscalation, c.Name);
            Assert.True(c.SecurityContext.ReadOnlyRootFilesystem, c.Name);
            Assert.Equal(["ALL"], c.SecurityContext.Capabilities.Drop);
            Assert.Null(c.SecurityContext.Capabilities.Add);
            Assert.Null(c.SecurityContext.Privileged);
            // .NET writes temporary files; with a read-only root they go to the emptyDir.
            Assert.Contains(c.VolumeMounts, m => m.Name == "tmp" && m.MountPath == "/tmp");
            Assert.NotNull(c.Resources?.Requests);
            Assert.True(c.Resources.Limits.ContainsKey("memory"), $"{c.Name}: memory limit");
        }
    }

    [Theory, MemberData(nameof(GrpoTargets))]
    public void Network_policies_let_the_grpo_pod_reach_the_silos_grpc_port_and_dns_and_nothing_else(string target)
    {
        var policies = Kustomize.All<V1NetworkPolicy>(target).ToList();
        var grpo = NetworkPolicies.Of(Job(target).Spec.Template);
        var silo = NetworkPolicies.Of(Kustomize.Silo(target).Spec.Template);
        var postgres = NetworkPolicies.Of(Kustomize.Single<V1StatefulSet>(target, "apr-postgres").Spec.Template);
        int grpc = Kustomize.SiloContainer(target).Ports.Single(p => p.Name == "grpc").ContainerPort;

        // A policy covers the whole pod, so these hold for the init containers too.
        Assert.True(NetworkPolicies.Allows(policies, grpo, silo, grpc));
        Assert.True(NetworkPolicies.Allows(policies, grpo, NetworkPolicies.ClusterDns, 53, "UDP"));
        Assert.True(NetworkPolicies.Allows(policies, grpo, NetworkPolicies.ClusterDns, 53, "TCP"));
        // Nothing else: not the database, not the silos' other ports, and no one may call into the GRPO pod.
        Assert.False(NetworkPolicies.Allows(policies, grpo, postgres, 5432));
        foreach (var other in Kustomize.SiloContainer(target).Ports.Where(p => p.Name != "grpc"))
            Assert.False(NetworkPolicies.Allows(policies, grpo, silo, other.ContainerPort), $"GRPO pod -> silo port {other.Name}");
        Assert.False(NetworkPolicies.Allows(policies, silo, grpo, grpc));

        // The path is open because of policy apr-grpo: without it, default deny closes it (so the check can fail).
        var without = policies.Where(p => p.Metadata.Name != "apr-grpo").ToList();
        Assert.False(NetworkPolicies.Allows(without, grpo, silo, grpc));
        // And the evaluator agrees with the base's intent elsewhere: the migration Job reaches PostgreSQL, not the silos.
        var migrate = NetworkPolicies.Of(Kustomize.Single<V1Job>(target, "apr-migrate").Spec.Template);
        Assert.True(NetworkPolicies.Allows(policies, migrate, postgres, 5432));
        Assert.False(NetworkPolicies.Allows(policies, migrate, silo, grpc));
    }

    [Fact]
    public void The_operators_settings_patch_reaches_every_command_line()
    {
        // tests/K8s/overlays/cpu-grpo patches GRPO_EXPERIMENT, GRPO_LR and GRPO_MAX_STEPS, as k8s/README.md shows.
        const string target = Kustomize.GrpoCpu;
        var create = Expanded(target, InitContainers(target)[0]);
        Assert.Equal("grpo-c3-lr1e4", create[2]);
        Assert.Equal("500", After(create, "--max-steps"));
        Assert.Equal("3", After(create, "--numbers"));
        Assert.Equal("64", After(create, "--problems-per-step"));
        Assert.Equal("5", After(create, "--group-size"));
        Assert.Equal(["experiment", "start", "grpo-c3-lr1e4"], Expanded(target, InitContainers(target)[1]).Take(3));
        var trainer = Expanded(target, Trainer(target));
        Assert.Equal("grpo-c3-lr1e4", After(trainer, "--experiment"));
        Assert.Equal("1e-4", After(trainer, "--lr"));
        Assert.Equal("/runs/grpo/grpo-c3-lr1e4", After(trainer, "--out"));
        Assert.Equal("cpu", After(trainer, "--device"));
        // Every reference is defined: nothing is left for the kubelet to pass through as a literal "$(…)".
        Assert.All(AllContainers(target).SelectMany(c => Expanded(target, c)), a => Assert.DoesNotContain("$(", a));
        // The CPU variant asks for no GPU.
        Assert.All(AllContainers(target), c => Assert.False(c.Resources.Limits.ContainsKey("nvidia.com/gpu")));
        Assert.Null(Job(target).Spec.Template.Spec.NodeSelector);
    }

    [Fact]
    public void Gpu_variant_trains_on_a_gpu_node_with_cuda_on_countdown_4()
    {
        const string target = Kustomize.GrpoGpu;
        var pod = Job(target).Spec.Template.Spec;
        var trainer = Trainer(target);
        Assert.True(trainer.Resources.Limits.TryGetValue("nvidia.com/gpu", out var gpus) && gpus.ToInt32() == 1, "nvidia.com/gpu: 1");
        Assert.Equal("true", pod.NodeSelector["nvidia.com/gpu.present"]);
        Assert.Contains(pod.Tolerations, t => t.Key == "nvidia.com/gpu" && t.Effect == "NoSchedule" && t.OperatorProperty == "Exists");
        Assert.Equal("cuda:0", After(Expanded(target, trainer), "--device"));
        // CUDA silos serve bf16: the trainer sends its weights in bf16 (half the bytes); CPU silos get fp32.
        Assert.Equal("bf16", After(Expanded(target, trainer), "--publish-dtype"));
        Assert.Equal("fp32", After(Expanded(Kustomize.GrpoCpu, Trainer(Kustomize.GrpoCpu)), "--publish-dtype"));
        Assert.EndsWith("-cuda", trainer.Image);
        // The experiment's problems are the gpu overlay's SFT problems.
        var sft = Kustomize.Single<V1Job>(target, "apr-trainer").Spec.Template.Spec.Containers.Single();
        Assert.Equal(After(sft.Args, "--numbers"), After(Expanded(target, InitContainers(target)[0]), "--numbers"));
        // The init containers only make two calls: no GPU for them.
        Assert.All(InitContainers(target), c => Assert.False(c.Resources.Limits.ContainsKey("nvidia.com/gpu")));
    }
}
