using System.Text.Json;
using System.Text.RegularExpressions;
using AprOrleans.Silo.Hosting;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace AprOrleans.Tests.K8s;

/// <summary>Static checks of every rendered kustomization (DESIGN §9): shapes, ports, probes, env, secrets, GPUs, policies.</summary>
public sealed partial class ManifestTests
{
    public static TheoryData<string> Targets => [.. Kustomize.Targets];

    /// <summary>The kinds the deployment is made of; anything else is a mistake (or needs a test).</summary>
    private static readonly HashSet<Type> Kinds =
    [
        typeof(V1Namespace), typeof(V1ConfigMap), typeof(V1Secret), typeof(V1Service), typeof(V1StatefulSet), typeof(V1Job),
        typeof(V1PersistentVolumeClaim), typeof(V1PodDisruptionBudget), typeof(V1NetworkPolicy),
    ];

    [Theory, MemberData(nameof(Targets))]
    public void Renders_known_kinds_with_their_required_fields(string target)
    {
        var objects = Kustomize.Render(target);
        Assert.NotEmpty(objects);
        foreach (var o in objects)
        {
            Assert.Contains(o.GetType(), Kinds);
            var k = (IKubernetesObject<V1ObjectMeta>)o;
            Assert.False(string.IsNullOrEmpty(k.ApiVersion), $"{o.GetType().Name}: apiVersion");
            Assert.False(string.IsNullOrEmpty(k.Kind), $"{o.GetType().Name}: kind");
            Assert.False(string.IsNullOrEmpty(k.Metadata?.Name), $"{k.Kind}: metadata.name");
            if (o is not V1Namespace) Assert.Equal("apr", k.Metadata!.NamespaceProperty);
        }
        Assert.Single(objects.OfType<V1Namespace>(), n => n.Metadata.Name == "apr");
        foreach (var (owner, template) in Kustomize.PodTemplates(target))
        {
            Assert.NotEmpty(template.Spec.Containers);
            foreach (var c in template.Spec.Containers)
            {
                Assert.False(string.IsNullOrEmpty(c.Name), $"{owner}: container name");
                Assert.False(string.IsNullOrEmpty(c.Image), $"{owner}/{c.Name}: image");
            }
        }
        foreach (var s in objects.OfType<V1StatefulSet>())
        {
            // A StatefulSet's selector must match its template, and its governing Service must exist.
            Assert.True(Matches(s.Spec.Selector.MatchLabels, s.Spec.Template.Metadata.Labels), $"StatefulSet/{s.Metadata.Name}: selector");
            Assert.Contains(objects.OfType<V1Service>(), svc => svc.Metadata.Name == s.Spec.ServiceName && svc.Spec.ClusterIP == "None");
        }
        foreach (var j in objects.OfType<V1Job>()) Assert.Equal("Never", j.Spec.Template.Spec.RestartPolicy);
        foreach (var svc in objects.OfType<V1Service>())
        {
            Assert.True(PodTemplatesMatching(target, svc.Spec.Selector).Any(), $"Service/{svc.Metadata.Name} selects no pod");
        }
        foreach (var pdb in objects.OfType<V1PodDisruptionBudget>())
        {
            Assert.True(PodTemplatesMatching(target, pdb.Spec.Selector.MatchLabels).Any(), $"PodDisruptionBudget/{pdb.Metadata.Name} selects no pod");
        }
        var pg = Kustomize.Single<V1StatefulSet>(target, "apr-postgres");
        Assert.NotEmpty(pg.Spec.VolumeClaimTemplates);
        Assert.Contains(pg.Spec.Template.Spec.Containers[0].VolumeMounts, m => m.Name == pg.Spec.VolumeClaimTemplates[0].Metadata.Name);
    }

    [Theory, MemberData(nameof(Targets))]
    public void Silos_talk_mutual_tls_with_the_generated_cluster_certificate(string target)
    {
        var silo = Kustomize.SiloContainer(target);
        var certificate = SiloContract.Effective(target, silo, nameof(SiloSettings.SiloTlsCertificate));
        var key = SiloContract.Effective(target, silo, nameof(SiloSettings.SiloTlsKey));
        Assert.NotNull(certificate);
        Assert.NotNull(key);
        // Both files lie in a read-only mount of Secret apr-silo-tls, under the names a kubernetes.io/tls Secret has.
        var pod = Kustomize.Silo(target).Spec.Template.Spec;
        foreach (var (path, entry) in new[] { (certificate!, "tls.crt"), (key!, "tls.key") })
        {
            var mount = Assert.Single(silo.VolumeMounts, m => path == $"{m.MountPath.TrimEnd('/')}/{entry}");
            Assert.True(mount.ReadOnlyProperty);
            Assert.Equal("apr-silo-tls", pod.Volumes.Single(v => v.Name == mount.Name).Secret.SecretName);
        }
        var secret = Kustomize.Single<V1Secret>(target, "apr-silo-tls");
        Assert.Equal("kubernetes.io/tls", secret.Type);
        // What k8s/secrets.sh generated is a certificate with its key, which the silo loads.
        var folder = Directory.CreateTempSubdirectory("apr-silo-tls-").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(folder, "tls.crt"), secret.Data["tls.crt"]);
            File.WriteAllBytes(Path.Combine(folder, "tls.key"), secret.Data["tls.key"]);
            using var loaded = ClusterCertificate.Load(Path.Combine(folder, "tls.crt"), Path.Combine(folder, "tls.key"));
            Assert.True(loaded.HasPrivateKey);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory, MemberData(nameof(Targets))]
    public void Silo_container_ports_are_the_silos_configured_ports(string target)
    {
        var silo = Kustomize.SiloContainer(target);
        var expected = new Dictionary<string, (string Key, string Name)>
        {
            ["silo"] = (nameof(SiloSettings.SiloPort), "silo"),
            ["grpc"] = (nameof(SiloSettings.GrpcPort), "grpc"),
            ["http"] = (nameof(SiloSettings.HttpPort), "http"),
        };
        Assert.Equal(expected.Keys.Order(), silo.Ports.Select(p => p.Name).Order());
        foreach (var (name, (key, _)) in expected)
        {
            int port = silo.Ports.Single(p => p.Name == name).ContainerPort;
            // Equal to the default in silo/appsettings.json and to what the container's environment configures.
            Assert.Equal(SiloContract.DefaultPort(key), port);
            Assert.Equal(port.ToString(System.Globalization.CultureInfo.InvariantCulture), SiloContract.Effective(target, silo, key));
        }
        // The Orleans gateway is off, in the defaults and in what the container configures.
        Assert.Equal(0, SiloContract.DefaultPort(nameof(SiloSettings.GatewayPort)));
        Assert.Equal("0", SiloContract.Effective(target, silo, nameof(SiloSettings.GatewayPort)));
        // The Services point at those ports by name.
        Assert.Equal("grpc", Kustomize.Single<V1Service>(target, "apr-grpc").Spec.Ports.Single().TargetPort.Value);
        Assert.Equal("silo", Kustomize.Single<V1Service>(target, "apr-silo").Spec.Ports.Single().TargetPort.Value);
    }

    [Theory, MemberData(nameof(Targets))]
    public async Task Silo_probes_hit_endpoints_the_silo_serves_on_its_http_port(string target)
    {
        var silo = Kustomize.SiloContainer(target);
        var probes = new[] { silo.StartupProbe, silo.ReadinessProbe, silo.LivenessProbe };
        Assert.All(probes, p => Assert.NotNull(p?.HttpGet));
        int httpPort = silo.Ports.Single(p => p.Name == "http").ContainerPort;
        var served = await HttpEndpointsAsync(httpPort);
        foreach (var probe in probes)
        {
            var port = probe!.HttpGet.Port.Value;
            int number = int.TryParse(port, out var n) ? n : silo.Ports.Single(p => p.Name == port).ContainerPort;
            Assert.Equal(httpPort, number);
            Assert.Contains(probe.HttpGet.Path, served);
        }
        // Readiness must be the endpoint that turns unhealthy on shutdown, so stopping silos leave the gRPC Service.
        Assert.Equal("/readyz", silo.ReadinessProbe!.HttpGet.Path);
        Assert.Equal("/healthz", silo.LivenessProbe!.HttpGet.Path);
    }

    /// <summary>
    /// The HTTP paths the silo host maps for the given port, read from the built (never started) host's endpoint
    /// data sources; the endpoints' host requirement must admit that port.
    /// </summary>
    private static async Task<HashSet<string>> HttpEndpointsAsync(int httpPort)
    {
        var overrides = new Dictionary<string, string?>
        {
            ["Apr:Storage"] = "memory",
            ["Apr:Devices:0"] = "cpu:0",
            ["Apr:HttpPort"] = httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        await using var app = await SiloHost.CreateAsync([], overrides);
        var paths = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>())
        {
            var hosts = e.Metadata.GetMetadata<IHostMetadata>()?.Hosts ?? [];
            if (hosts.Count == 0 || hosts.Contains($"*:{httpPort}")) paths.Add("/" + e.RoutePattern.RawText!.TrimStart('/'));
        }
        return paths;
    }

    [Theory, MemberData(nameof(Targets))]
    public void Every_env_name_of_a_silo_container_is_a_setting_the_silo_reads(string target)
    {
        var silo = Kustomize.SiloContainer(target);
        var names = SiloContract.EnvironmentNames(target, silo);
        Assert.NotEmpty(names);
        Assert.All(names, n => Assert.True(SiloContract.IsSettingName(n), $"{target}: the silo reads no setting named {n}"));
        // The downward API gives the silo its identity.
        Assert.Equal("metadata.name", silo.Env.Single(e => e.Name == "Apr__SiloName").ValueFrom.FieldRef.FieldPath);
        Assert.Equal("status.podIP", silo.Env.Single(e => e.Name == "Apr__AdvertisedAddress").ValueFrom.FieldRef.FieldPath);
    }

    [Fact]
    public void The_setting_name_rule_rejects_names_the_silo_does_not_read()
    {
        Assert.True(SiloContract.IsSettingName("Apr__SiloName"));
        Assert.True(SiloContract.IsSettingName("Apr__Devices__0"));
        Assert.True(SiloContract.IsSettingName("Apr__ShutdownTimeoutSeconds"));
        Assert.False(SiloContract.IsSettingName("Apr__SiloNmae"));
        Assert.False(SiloContract.IsSettingName("Apr__Devices"));
        Assert.False(SiloContract.IsSettingName("Apr__SiloPort__0"));
        Assert.False(SiloContract.IsSettingName("POD_NAME"));
        Assert.False(SiloContract.IsSettingName("Orleans__SiloName"));
    }

    [Theory, MemberData(nameof(Targets))]
    public void Job_containers_set_only_env_their_arguments_use(string target)
    {
        // The migration and trainer programs read no Apr__ settings; env there exists for $(VAR) expansion, except the
        // admin token, which `apr experiment` and `trainer grpo` read themselves so that it is on no command line.
        foreach (var job in Kustomize.All<V1Job>(target))
        {
            var pod = job.Spec.Template.Spec;
            var referenced = new HashSet<string>(StringComparer.Ordinal);
            foreach (var c in (pod.InitContainers ?? []).Concat(pod.Containers))
            {
                var text = string.Join(' ', [.. c.Command ?? [], .. c.Args ?? []]);
                foreach (var e in c.Env ?? [])
                {
                    if (!ReadsItself(c, e.Name)) Assert.Contains($"$({e.Name})", text);
                }
                var defined = SiloContract.EnvironmentNames(target, c);
                foreach (Match m in VariableReference().Matches(text))
                {
                    Assert.True(defined.Contains(m.Groups[1].Value), $"Job/{job.Metadata.Name}/{c.Name}: $({m.Groups[1].Value}) is not defined");
                    referenced.Add(m.Groups[1].Value);
                }
            }
            // Every setting an envFrom ConfigMap gives the pod is used by one of its command lines (a misspelt key
            // in a settings patch would otherwise be ignored without a word).
            foreach (var c in (pod.InitContainers ?? []).Concat(pod.Containers))
            {
                foreach (var key in SiloContract.EnvFromConfigMaps(target, c).SelectMany(m => m.Data?.Keys ?? []))
                    Assert.True(referenced.Contains(key), $"Job/{job.Metadata.Name}: setting {key} is used by no command line");
            }
        }
        var migrate = Kustomize.Single<V1Job>(target, "apr-migrate").Spec.Template.Spec.Containers.Single();
        Assert.Equal(["db", "migrate", "--connection", "$(Apr__ConnectionString)"], migrate.Args);
    }

    /// <summary>The admin-token variable, in a container running a program that reads it from its environment.</summary>
    private static bool ReadsItself(V1Container c, string name) => (c.Args?.FirstOrDefault(), name) switch
    {
        ("grpo", AprOrleans.Trainer.Grpo.GrpoCommand.TokenVariable) => true,
        ("experiment", AprOrleans.Client.Remote.RemoteExperiments.TokenVariable) => true,
        _ => false,
    };

    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex VariableReference();

    [Theory, MemberData(nameof(Targets))]
    public void No_secret_value_is_inline_outside_the_secret(string target)
    {
        var secret = Kustomize.Single<V1Secret>(target, "apr-secrets");
        var secretValues = SecretValues(secret).Where(v => v.Length >= 4).ToList();
        Assert.NotEmpty(secretValues);
        foreach (var (owner, template) in Kustomize.PodTemplates(target))
        {
            foreach (var c in template.Spec.Containers.Concat(template.Spec.InitContainers ?? []))
            {
                foreach (var e in c.Env ?? [])
                {
                    if (SensitiveName().IsMatch(e.Name))
                    {
                        Assert.True(e.ValueFrom?.SecretKeyRef is not null, $"{owner}/{c.Name}: {e.Name} must come from a secretKeyRef");
                        Assert.Equal("apr-secrets", e.ValueFrom!.SecretKeyRef.Name);
                        Assert.Contains(e.ValueFrom.SecretKeyRef.Key, SecretKeys(secret));
                    }
                    Assert.DoesNotContain(secretValues, v => (e.Value ?? "").Contains(v, StringComparison.Ordinal));
                }
                var text = string.Join(' ', [.. c.Command ?? [], .. c.Args ?? []]);
                Assert.DoesNotContain(secretValues, v => text.Contains(v, StringComparison.Ordinal));
                Assert.DoesNotContain("Password=", text, StringComparison.OrdinalIgnoreCase);
            }
        }
        foreach (var map in Kustomize.All<V1ConfigMap>(target))
        {
            foreach (var (k, v) in map.Data ?? new Dictionary<string, string>())
            {
                Assert.False(SensitiveName().IsMatch(k), $"ConfigMap/{map.Metadata.Name}: {k} belongs in the Secret");
                Assert.DoesNotContain(secretValues, s => v.Contains(s, StringComparison.Ordinal));
            }
        }
        // The Secret holds what k8s/secrets.sh generated (the repository ships no value): a token the silo accepts, and
        // a connection string that uses the PostgreSQL password.
        var values = SecretEntries(secret);
        Assert.Null(AdminTokenPolicy.Check(values["admin-token"]));
        Assert.Contains($"Password={values["postgres-password"]};", values["connection-string"]);
        Assert.True(values["postgres-password"].Length >= 32, "a generated PostgreSQL password of at least 32 characters");
    }

    [GeneratedRegex("connection|token|password|secret", RegexOptions.IgnoreCase)]
    private static partial Regex SensitiveName();

    private static IEnumerable<string> SecretKeys(V1Secret s) => (s.StringData?.Keys ?? []).Concat(s.Data?.Keys ?? []);

    private static Dictionary<string, string> SecretEntries(V1Secret s) =>
        (s.StringData ?? new Dictionary<string, string>()).Concat((s.Data ?? new Dictionary<string, byte[]>()).Select(kv =>
            KeyValuePair.Create(kv.Key, System.Text.Encoding.UTF8.GetString(kv.Value)))).ToDictionary();

    private static IEnumerable<string> SecretValues(V1Secret s) =>
        (s.StringData?.Values ?? []).Concat((s.Data?.Values ?? []).Select(b => System.Text.Encoding.UTF8.GetString(b)));

    /// <summary>
    /// Training Jobs retry a pod that died and every retry continues the run (--resume auto), a disruption (eviction,
    /// preemption, a lost node) costs no retry, and the trainer's bad options (exit 2) fail at once.
    /// </summary>
    [Theory, MemberData(nameof(Targets))]
    public void Training_jobs_retry_into_their_newest_checkpoint_and_fail_at_once_on_bad_options(string target)
    {
        var jobs = Kustomize.All<V1Job>(target).Where(j => j.Metadata.Name is "apr-trainer" or "apr-grpo").ToList();
        Assert.Contains(jobs, j => j.Metadata.Name == "apr-trainer");
        foreach (var job in jobs)
        {
            Assert.True(job.Spec.BackoffLimit > 0, $"{job.Metadata.Name}: no retries");
            Assert.Equal("Never", job.Spec.Template.Spec.RestartPolicy);
            var trainer = job.Spec.Template.Spec.Containers.Single(c => c.Name == "trainer");
            int resume = trainer.Args.IndexOf("--resume");
            Assert.True(resume >= 0 && trainer.Args[resume + 1] == "auto", $"{job.Metadata.Name}: {string.Join(' ', trainer.Args)}");
            var rules = job.Spec.PodFailurePolicy.Rules;
            var failOnUsage = Assert.Single(rules, r => r.Action == "FailJob");
            Assert.Equal("trainer", failOnUsage.OnExitCodes.ContainerName);
            Assert.Equal("In", failOnUsage.OnExitCodes.OperatorProperty);
            Assert.Equal([2], failOnUsage.OnExitCodes.Values);
            var ignore = Assert.Single(rules, r => r.Action == "Ignore");
            Assert.Equal("DisruptionTarget", Assert.Single(ignore.OnPodConditions).Type);
        }
    }

    [Theory, MemberData(nameof(Targets))]
    public void Grace_period_exceeds_the_silos_shutdown_timeout(string target)
    {
        var silo = Kustomize.Silo(target);
        int timeout = SiloContract.ShutdownTimeoutSeconds(target, Kustomize.SiloContainer(target));
        Assert.Equal(120, timeout);
        Assert.True(silo.Spec.Template.Spec.TerminationGracePeriodSeconds > timeout,
            $"terminationGracePeriodSeconds {silo.Spec.Template.Spec.TerminationGracePeriodSeconds} must exceed the shutdown timeout {timeout}");
    }

    [Fact]
    public async Task The_silo_bounds_its_shutdown_by_the_configured_timeout()
    {
        // The grace-period check above is only as good as this: the setting must reach the host's shutdown timeout,
        // which bounds the Orleans silo's graceful stop.
        var overrides = new Dictionary<string, string?>
        {
            ["Apr:Storage"] = "memory",
            ["Apr:Devices:0"] = "cpu:0",
            ["Apr:ShutdownTimeoutSeconds"] = "77",
        };
        await using var app = await SiloHost.CreateAsync([], overrides);
        var host = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.Extensions.Hosting.HostOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(77), host.ShutdownTimeout);
    }

    [Fact]
    public void Gpu_overlay_requests_gpus_on_gpu_nodes_and_drives_cuda()
    {
        const string gpu = "k8s/overlays/gpu";
        var silo = Kustomize.Silo(gpu).Spec.Template.Spec;
        var trainer = Kustomize.Single<V1Job>(gpu, "apr-trainer").Spec.Template.Spec;
        foreach (var pod in new[] { silo, trainer })
        {
            var limits = pod.Containers[0].Resources.Limits;
            Assert.True(limits.TryGetValue("nvidia.com/gpu", out var q) && q.ToInt32() >= 1, "nvidia.com/gpu limit");
            Assert.Equal("true", pod.NodeSelector["nvidia.com/gpu.present"]);
            Assert.Contains(pod.Tolerations, t => t.Key == "nvidia.com/gpu" && t.Effect == "NoSchedule");
        }
        Assert.Equal("cuda:0", SiloContract.Effective(gpu, Kustomize.SiloContainer(gpu), "Devices__0"));
        var args = trainer.Containers[0].Args;
        Assert.Equal("cuda:0", args[args.IndexOf("--device") + 1]);
        Assert.EndsWith("-cuda", Kustomize.SiloContainer(gpu).Image);
        Assert.EndsWith("-cuda", trainer.Containers[0].Image);

        // And the CPU overlay asks for none.
        const string cpu = "k8s/overlays/cpu";
        Assert.All(Kustomize.PodTemplates(cpu), t => Assert.All(t.Template.Spec.Containers,
            c => Assert.False(c.Resources?.Limits?.ContainsKey("nvidia.com/gpu") ?? false)));
        Assert.Equal("cpu:0", SiloContract.Effective(cpu, Kustomize.SiloContainer(cpu), "Devices__0"));
    }

    [Theory, MemberData(nameof(Targets))]
    public void Network_policies_select_existing_pods_and_open_only_used_ports(string target)
    {
        var policies = Kustomize.All<V1NetworkPolicy>(target).ToList();
        Assert.Contains(policies, p => p.Spec.PodSelector.MatchLabels is null or { Count: 0 } && p.Spec.PolicyTypes.Contains("Ingress") && p.Spec.Ingress is null);
        foreach (var p in policies)
        {
            Assert.True(PodTemplatesMatching(target, p.Spec.PodSelector.MatchLabels).Any(), $"NetworkPolicy/{p.Metadata.Name} selects no pod");
            var peers = (p.Spec.Ingress ?? []).SelectMany(r => r.FromProperty ?? []).Concat((p.Spec.Egress ?? []).SelectMany(r => r.To ?? []));
            // Peers in this namespace (no namespaceSelector) must name pods that exist.
            foreach (var peer in peers.Where(x => x.PodSelector is not null && x.NamespaceSelector is null))
                Assert.True(PodTemplatesMatching(target, peer.PodSelector.MatchLabels).Any(), $"NetworkPolicy/{p.Metadata.Name}: a peer selects no pod");
        }
        // The ports a policy opens into the silos are silo container ports, every one of them.
        var silo = Kustomize.SiloContainer(target);
        var siloPolicy = Kustomize.Single<V1NetworkPolicy>(target, "apr-silo");
        var opened = siloPolicy.Spec.Ingress.SelectMany(r => r.Ports).Select(pt => int.Parse(pt.Port.Value, System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();
        var byName = silo.Ports.ToDictionary(pt => pt.Name, pt => pt.ContainerPort);
        Assert.Equal(new HashSet<int> { byName["silo"], byName["grpc"], byName["http"] }, opened);
        var pgPort = Kustomize.Single<V1StatefulSet>(target, "apr-postgres").Spec.Template.Spec.Containers[0].Ports.Single().ContainerPort;
        var pgPolicy = Kustomize.Single<V1NetworkPolicy>(target, "apr-postgres");
        Assert.Equal([pgPort], pgPolicy.Spec.Ingress.SelectMany(r => r.Ports).Select(pt => int.Parse(pt.Port.Value, System.Globalization.CultureInfo.InvariantCulture)));
        var clients = pgPolicy.Spec.Ingress.SelectMany(r => r.FromProperty).Select(f => f.PodSelector.MatchLabels["app.kubernetes.io/component"]).Order();
        Assert.Equal(["migrate", "silo", "trainer"], clients);
    }

    [Fact]
    public void Dockerfile_entrypoints_are_the_manifest_commands_and_run_as_non_root()
    {
        const string cpu = "k8s/overlays/cpu";
        var commands = new Dictionary<string, IList<string>>
        {
            ["docker/silo.Dockerfile"] = Kustomize.SiloContainer(cpu).Command,
            ["docker/trainer.Dockerfile"] = Kustomize.Single<V1Job>(cpu, "apr-trainer").Spec.Template.Spec.Containers[0].Command,
            ["docker/apr.Dockerfile"] = Kustomize.Single<V1Job>(cpu, "apr-migrate").Spec.Template.Spec.Containers[0].Command,
        };
        foreach (var (file, command) in commands)
        {
            var lines = File.ReadAllLines(Path.Combine(RepositoryPaths.Root, file));
            // Each runnable stage (the ones with an ENTRYPOINT) must end with the manifest's command, as a non-root user.
            var stages = Split(lines, l => l.StartsWith("FROM ", StringComparison.Ordinal)).Where(s => s.Any(l => l.StartsWith("ENTRYPOINT", StringComparison.Ordinal))).ToList();
            Assert.NotEmpty(stages);
            foreach (var stage in stages)
            {
                var entry = stage.Last(l => l.StartsWith("ENTRYPOINT ", StringComparison.Ordinal))["ENTRYPOINT ".Length..];
                Assert.Equal(command, JsonSerializer.Deserialize<string[]>(entry));
                var user = stage.Last(l => l.StartsWith("USER ", StringComparison.Ordinal))["USER ".Length..].Trim();
                Assert.NotEqual("root", user);
                Assert.NotEqual("0", user);
            }
        }
    }

    private static IEnumerable<List<string>> Split(IEnumerable<string> lines, Func<string, bool> starts)
    {
        List<string>? current = null;
        foreach (var line in lines)
        {
            if (starts(line)) { if (current is not null) yield return current; current = []; }
            current?.Add(line);
        }
        if (current is not null) yield return current;
    }

    private static IEnumerable<string> PodTemplatesMatching(string target, IDictionary<string, string>? selector) =>
        Kustomize.PodTemplates(target).Where(t => Matches(selector, t.Template.Metadata.Labels)).Select(t => t.Owner);

    private static bool Matches(IDictionary<string, string>? selector, IDictionary<string, string>? labels) =>
        (selector ?? new Dictionary<string, string>()).All(kv => labels is not null && labels.TryGetValue(kv.Key, out var v) && v == kv.Value);
}
