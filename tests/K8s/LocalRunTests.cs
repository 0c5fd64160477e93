using System.Net;
using AprOrleans.Api;
using AprOrleans.Silo.Hosting;
using AprOrleans.Tests.Service;
using AprOrleans.Tests.Service.Experiments;
using AprOrleans.Trainer.Grpo;
using k8s.Models;

namespace AprOrleans.Tests.K8s;

/// <summary>
/// The exact container command lines of the CPU overlay, run as local processes (ContainerRun maps /app/NAME/ to
/// this checkout's build output and gives the process the manifest's environment). Overrides, and why:
/// - silo: ListenAddress 127.0.0.1 and three free ports (loopback only, no clash with other silos on the machine);
///   the downward API answers metadata.name = apr-silo-0 and status.podIP = 127.0.0.1; with PostgreSQL, the test
///   database's connection string and fresh cluster/service ids (the rendered Secret names the cluster's own PostgreSQL host); without,
///   Apr__Storage=memory.
/// - migration: the test database's connection string in place of the Secret's (which names the cluster's PostgreSQL host).
/// - trainer: --preset tiny, --steps 2, --batch-tokens 1024, --threads 1, --out a temporary folder, so it finishes
///   in seconds on a shared CPU; every other argument is the manifest's. The GPU overlay's trainer line also runs,
///   with --device cpu (this machine has no GPU), one step and --batch-tokens 4096 (its Countdown-4 sequences are longer).
/// - GRPO Job (tests/K8s/overlays/cpu-grpo): the init containers' apr command lines with --silo a silo in this process
///   (memory storage, scripted decoders, the admin token the silo container gets from the rendered Secret), and
///   --problems-per-step 2 --group-size 2 so the started experiment's rollouts stay few; the trainer's command line
///   through its own option parser (a GRPO step needs rollouts, more than this test can afford) with --init the
///   shipped checkpoint, --out a temporary folder, and for the GPU fixture --device cpu.
/// </summary>
public sealed class LocalRunTests
{
    private const string Cpu = "k8s/overlays/cpu";
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(4);

    [Fact]
    public Task Silo_command_serves_health_and_stops_cleanly_on_SIGTERM_with_memory_storage() =>
        RunSiloAsync(new Dictionary<string, string> { ["Apr__Storage"] = "memory" });

    [Fact]
    public Task Silo_command_serves_health_and_stops_cleanly_on_SIGTERM_with_postgres() =>
        RunSiloAsync(new Dictionary<string, string>
        {
            ["Apr__ConnectionString"] = TestPostgres.ConnectionString,
            ["Apr__ClusterId"] = "k8s-" + Guid.NewGuid().ToString("N")[..12],
            ["Apr__ServiceId"] = "k8s-" + Guid.NewGuid().ToString("N")[..12],
        });

    private static async Task RunSiloAsync(Dictionary<string, string> overrides)
    {
        var container = Kustomize.SiloContainer(Cpu);
        var ports = LoopbackPorts.Free();
        overrides["Apr__ListenAddress"] = "127.0.0.1";
        overrides["Apr__SiloPort"] = $"{ports.Silo}";
        overrides["Apr__GrpcPort"] = $"{ports.Grpc}";
        overrides["Apr__HttpPort"] = $"{ports.Http}";
        // The mounted Secret apr-silo-tls, here: the files k8s/secrets.sh generated for the render.
        overrides["Apr__SiloTlsCertificate"] = Kustomize.GeneratedFile("silo-tls.crt");
        overrides["Apr__SiloTlsKey"] = Kustomize.GeneratedFile("silo-tls.key");
        var fields = new Dictionary<string, string> { ["metadata.name"] = "apr-silo-0", ["status.podIP"] = "127.0.0.1" };
        var plan = ContainerRun.Prepare(Cpu, container, fields, overrides);
        Assert.Equal("postgres", SiloContract.Effective(Cpu, container, "Storage"));
        Assert.Equal("apr-silo-0", plan.Environment["Apr__SiloName"]);

        using var silo = new ContainerRun.Running(plan, ContainerRun.MapImagePath("/app/silo/"));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        // Every probe path of the manifest, on the port the probe names (the container's http port, moved here).
        var probes = new[] { container.StartupProbe, container.ReadinessProbe, container.LivenessProbe };
        foreach (var probe in probes)
        {
            Assert.Equal("http", probe.HttpGet.Port.Value);
            await WaitForOkAsync(http, silo, $"http://127.0.0.1:{ports.Http}{probe.HttpGet.Path}");
        }
        Assert.Contains("/healthz", probes.Select(p => p.HttpGet.Path));
        Assert.Contains("/readyz", probes.Select(p => p.HttpGet.Path));

        silo.Terminate();
        int exit = await silo.WaitForExitAsync(Bound);
        Assert.True(exit == 0, $"the silo exited with {exit} after SIGTERM; output:\n{silo.Output}");
        Assert.DoesNotContain("Unhandled exception", silo.Output, StringComparison.OrdinalIgnoreCase);
    }

    private static async Task WaitForOkAsync(HttpClient http, ContainerRun.Running process, string url)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (true)
        {
            Assert.False(process.HasExited, $"the process exited ({(process.HasExited ? process.ExitCode : 0)}) before {url} answered; output:\n{process.Output}");
            try
            {
                using var response = await http.GetAsync(url);
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            if (DateTime.UtcNow > deadline) Assert.Fail($"{url} did not answer 200 within {Bound}; output:\n{process.Output}");
            await Task.Delay(250);
        }
    }

    [Fact]
    public async Task Migration_job_command_applies_the_schema()
    {
        var container = Kustomize.Single<V1Job>(Cpu, "apr-migrate").Spec.Template.Spec.Containers.Single();
        var plan = ContainerRun.Prepare(Cpu, container, new Dictionary<string, string>(),
            new Dictionary<string, string> { ["Apr__ConnectionString"] = TestPostgres.ConnectionString });
        // The $(Apr__ConnectionString) reference was expanded from the environment, as the kubelet does.
        Assert.Contains(TestPostgres.ConnectionString, plan.Arguments);
        using var run = new ContainerRun.Running(plan, ContainerRun.MapImagePath("/app/apr/"));
        int exit = await run.WaitForExitAsync(Bound);
        Assert.True(exit == 0, $"apr db migrate exited with {exit}; output:\n{run.Output}");
        Assert.Contains("schema applied", run.Output);
    }

    [Fact]
    public Task Trainer_job_command_trains_and_checkpoints() => RunTrainerAsync(Cpu, steps: 2, new Dictionary<string, string>());

    /// <summary>
    /// The GPU overlay's trainer arguments, on the CPU (no GPU here: --device cuda:0 becomes cpu, the other overrides
    /// as above, one step): every other option of that command line must be one the trainer accepts and can run.
    /// </summary>
    [Fact]
    public Task Gpu_trainer_job_arguments_run_with_the_device_moved_to_cpu() =>
        RunTrainerAsync("k8s/overlays/gpu", steps: 1, new Dictionary<string, string> { ["--device"] = "cpu", ["--batch-tokens"] = "4096" });

    private static async Task RunTrainerAsync(string target, int steps, Dictionary<string, string> extra)
    {
        var container = Kustomize.Single<V1Job>(target, "apr-trainer").Spec.Template.Spec.Containers.Single();
        Assert.Equal("sft", container.Args[0]);
        var output = Directory.CreateTempSubdirectory("apr-k8s-trainer-");
        try
        {
            var overrides = new Dictionary<string, string>
            {
                ["--preset"] = "tiny",
                ["--steps"] = $"{steps}",
                ["--batch-tokens"] = "1024",
                ["--threads"] = "1",
                ["--out"] = output.FullName,
            };
            foreach (var (k, v) in extra) overrides[k] = v;
            var plan = ContainerRun.Prepare(target, container, new Dictionary<string, string>(), argOverrides: overrides);
            using var run = new ContainerRun.Running(plan, ContainerRun.MapImagePath("/app/trainer/"));
            int exit = await run.WaitForExitAsync(Bound);
            Assert.True(exit == 0, $"trainer exited with {exit}; output:\n{run.Output}");
            Assert.Contains($"done: {steps} steps", run.Output);
            Assert.Equal(steps, File.ReadAllLines(Path.Combine(output.FullName, "metrics.jsonl")).Length);
            Assert.NotEmpty(output.GetDirectories());
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    /// <summary>
    /// The GRPO Job's init containers against a silo whose token comes from the same Secret key: create, start, then
    /// both again as a re-created Job (or a Job resumed with --resume) runs them, each exiting 0 without a change.
    /// </summary>
    [Fact]
    public async Task Grpo_init_containers_create_and_start_the_experiment_and_repeat_as_no_ops()
    {
        const string target = Kustomize.GrpoCpu;
        var pod = Kustomize.Single<V1Job>(target, "apr-grpo").Spec.Template.Spec;
        var fields = new Dictionary<string, string> { ["metadata.name"] = "apr-silo-0", ["status.podIP"] = "127.0.0.1" };
        var siloToken = ContainerRun.Prepare(target, Kustomize.SiloContainer(target), fields).Environment["Apr__AdminToken"];
        await using var cluster = await TestCluster.StartAsync(["apr-silo-0"], storage: "memory", adminToken: siloToken,
            decodersFor: _ => new SearchScriptDecoderFactory());
        var url = $"http://127.0.0.1:{cluster.Silos[0].GrpcPort}";
        string name = "";
        foreach (var (round, expected) in new[] { (1, new[] { "CREATED", "RUNNING" }), (2, new[] { "RUNNING", "RUNNING" }) })
        {
            for (int i = 0; i < pod.InitContainers.Count; i++)
            {
                var init = pod.InitContainers[i];
                var overrides = new Dictionary<string, string> { ["--silo"] = url };
                if (init.Name == "create-experiment")
                {
                    overrides["--problems-per-step"] = "2";
                    overrides["--group-size"] = "2";
                }
                var plan = ContainerRun.Prepare(target, init, fields, argOverrides: overrides);
                name = plan.Arguments[3];
                using var apr = new ContainerRun.Running(plan, ContainerRun.MapImagePath("/app/apr/"));
                int exit = await apr.WaitForExitAsync(Bound);
                Assert.True(exit == 0, $"round {round}, {init.Name} exited with {exit}; output:\n{apr.Output}");
                Assert.Contains($"experiment {name}  {expected[i]}", apr.Output);
            }
        }
        Assert.Equal("grpo-c3-lr1e4", name);
        var experiment = await new ExperimentCalls(cluster.Silos[0].Channel, null).GetAsync(name);
        Assert.Equal(ExperimentStatus.ExperimentRunning, experiment.Status);
        Assert.Equal(500, experiment.Config.MaxSteps);
        Assert.Equal(3, experiment.Config.Numbers);
        Assert.Equal(1, experiment.Config.RolloutAhead);
    }

    /// <summary>
    /// The GRPO trainer's command line, as the container would run it (ConfigMap settings and the Secret's token from
    /// the environment), through the trainer's option parser: every option known, every value in range, the token found.
    /// </summary>
    [Theory]
    [InlineData(Kustomize.GrpoCpu, "cpu")]
    [InlineData(Kustomize.GrpoGpu, "cuda:0")]
    public void Grpo_trainer_command_line_passes_the_trainers_option_validation(string target, string device)
    {
        var container = Kustomize.Single<V1Job>(target, "apr-grpo").Spec.Template.Spec.Containers.Single();
        var output = Directory.CreateTempSubdirectory("apr-k8s-grpo-");
        try
        {
            var overrides = new Dictionary<string, string> { ["--init"] = RepositoryPaths.ShippedCheckpoint, ["--out"] = output.FullName };
            // The parser checks that a CUDA device exists; this machine has none.
            if (device != "cpu") overrides["--device"] = "cpu";
            var plan = ContainerRun.Prepare(target, container, new Dictionary<string, string>(), argOverrides: overrides);
            Assert.Equal("grpo", plan.Arguments[1]);
            var rendered = ContainerRun.Prepare(target, container, new Dictionary<string, string>());
            Assert.Equal(device, rendered.Arguments[rendered.Arguments.ToList().IndexOf("--device") + 1]);

            var options = GrpoCommand.Parse([.. plan.Arguments.Skip(2)], plan.Environment.GetValueOrDefault(GrpoCommand.TokenVariable));
            Assert.Equal(rendered.Arguments[rendered.Arguments.ToList().IndexOf("--experiment") + 1], options.Settings.Experiment);
            Assert.Equal(new Uri("http://apr-grpc:5080"), options.Silo);
            Assert.Equal(ContainerRun.Prepare(target, Kustomize.SiloContainer(target),
                new Dictionary<string, string> { ["metadata.name"] = "apr-silo-0", ["status.podIP"] = "127.0.0.1" }).Environment["Apr__AdminToken"], options.Token);
            Assert.Equal(Path.GetFullPath(RepositoryPaths.ShippedCheckpoint), options.Settings.InitPath);
            Assert.Null(options.Resume);
            Assert.Equal(4, options.Threads);
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }
}
