using AprOrleans.Api;
using AprOrleans.Client.Remote;
using AprOrleans.Silo.Hosting;
using AprOrleans.Tests.K8s;

namespace AprOrleans.Tests.Service.Experiments;

/// <summary>`apr experiment …` (the real executable) against a real silo.</summary>
public sealed class ExperimentCliTests(ExperimentSiloFixture fixture) : IClassFixture<ExperimentSiloFixture>
{
    private string Silo => $"http://127.0.0.1:{fixture.Cluster.Silos[0].GrpcPort}";

    private static string NewName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..30];

    [Fact]
    public void Create_start_pause_resume_and_status_print_the_experiment()
    {
        var name = NewName("cli");
        var create = AprCli.Run("experiment", "create", name, "--numbers", "3", "--group-size", "2", "--problems-per-step", "2",
            "--max-steps", "5", "--seed", "3", "--temperature", "0.7", "--rollout-ahead", "0", "--every-solution-uses", "/",
            "--silo", Silo, "--token", ExperimentCalls.Token);
        Assert.True(create.ExitCode == 0, create.StdErr);
        Assert.Contains($"experiment {name}  CREATED  step 0/5", create.StdOut);
        Assert.Contains("2 problems x G=2 per step, rollout_ahead 0, seed 3, temperature 0.7, problems whose every solution uses '/'", create.StdOut);

        foreach (var (verb, status) in new[] { ("start", "RUNNING"), ("pause", "PAUSED"), ("resume", "RUNNING") })
        {
            var run = AprCli.Run("experiment", verb, name, "--silo", Silo, "--token", ExperimentCalls.Token);
            Assert.True(run.ExitCode == 0, $"{verb}: {run.StdErr}");
            Assert.Contains($"experiment {name}  {status}", run.StdOut);
        }
        var shown = AprCli.Run("experiment", "status", name, "--silo", Silo);
        Assert.Equal(0, shown.ExitCode);
        Assert.Matches(@"rollouts   (no step ready|steps 0\.\.\d+ ready); step \d: \d/2 groups", shown.StdOut);
    }

    [Fact]
    public void Create_with_a_share_shows_how_many_groups_of_a_step_are_filtered()
    {
        var name = NewName("cli-share");
        var create = AprCli.Run("experiment", "create", name, "--problems-per-step", "16", "--every-solution-uses", "/",
            "--every-solution-uses-share", "0.25", "--silo", Silo, "--token", ExperimentCalls.Token);
        Assert.True(create.ExitCode == 0, create.StdErr);
        Assert.Contains("16 problems x G=5 per step", create.StdOut);
        Assert.Contains(", 4 of them with problems whose every solution uses '/'", create.StdOut);
    }

    [Fact]
    public async Task Status_watch_follows_the_run_to_its_end_and_plot_writes_the_curves()
    {
        var name = NewName("plot");
        await fixture.Admin.CreateAndStartAsync(name, ExperimentCalls.Config(problemsPerStep: 2, groupSize: 2, maxSteps: 2, rolloutAhead: 1));
        for (int step = 0; step < 2; step++)
        {
            await fixture.Admin.PullAsync(name, step);
            await fixture.Admin.ReportAsync(name, step, step + 1);
        }
        var watch = AprCli.Run("experiment", "status", name, "--watch", "--silo", Silo);
        Assert.True(watch.ExitCode == 0, watch.StdErr);
        Assert.Contains($"{name} DONE step 2/2", watch.StdOut);

        var folder = Path.Combine(Path.GetTempPath(), $"apr-plots-{Guid.NewGuid():N}");
        try
        {
            var plot = AprCli.Run("experiment", "plot", name, "--out", folder, "--silo", Silo);
            Assert.True(plot.ExitCode == 0, plot.StdErr);
            foreach (var file in new[] { "reward.svg", "accuracy.svg", "children_per_spawn.svg", "tokens.svg" })
            {
                var svg = File.ReadAllText(Path.Combine(folder, file));
                Assert.Contains("<svg", svg);
                Assert.Contains("GRPO step", svg);
            }
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task List_prints_one_line_per_experiment_sorted_with_the_latest_reward()
    {
        // 30 characters, as every NewName here: the list pads no name, so each line is exact.
        var id = Guid.NewGuid().ToString("N")[..24];
        var (trained, created) = ($"lst-{id}-a", $"lst-{id}-b");
        await fixture.Admin.CreateAndStartAsync(trained, ExperimentCalls.Config(problemsPerStep: 1, groupSize: 2, maxSteps: 2, rolloutAhead: 0));
        await fixture.Admin.PullAsync(trained, 0);
        await fixture.Admin.ReportAsync(trained, 0, 1);
        await fixture.Admin.Experiments.CreateAsync(new CreateExperimentRequest { Name = created, Config = ExperimentCalls.Config(maxSteps: 4) }, fixture.Admin.Auth);

        var list = AprCli.Run("experiment", "list", "--silo", Silo);

        Assert.True(list.ExitCode == 0, list.StdErr);
        var lines = list.StdOut.TrimEnd('\n').Split('\n');
        var names = lines.Select(l => l.Split(' ')[0]).ToList();
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.Matches($@"^{trained}  RUNNING  step 1/2  weights v1  reward \d+\.\d{{3}}$", Assert.Single(lines, l => l.StartsWith(trained, StringComparison.Ordinal)));
        Assert.Equal($"{created}  CREATED  step 0/4  weights v0", Assert.Single(lines, l => l.StartsWith(created, StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("apr experiment list: unexpected argument 'extra'", "extra")]
    [InlineData("--retry-seconds must not be negative", "--retry-seconds", "-1")]
    [InlineData("is not an http(s) URL", "--silo", "not a url")]
    public void List_with_bad_arguments_exits_2_with_one_line(string expected, params string[] args)
    {
        string[] silo = args.Contains("--silo") ? [] : ["--silo", Silo];
        var run = AprCli.Run(["experiment", "list", .. silo, .. args]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(expected, run.StdErr);
        Assert.Single(run.StdErr.Trim().Split('\n'));
    }

    [Theory]
    [InlineData("config.group_size", "create", "--group-size", "1")]
    [InlineData("config.rollout_ahead", "create", "--rollout-ahead", "12")]
    [InlineData("--group-size", "create", "--group-size", "abc")]
    [InlineData("--max-steps must be positive", "create", "--max-steps", "0")]
    [InlineData("config.every_solution_uses", "create", "--every-solution-uses", "%")]
    [InlineData("config.every_solution_uses_share", "create", "--every-solution-uses", "/", "--every-solution-uses-share", "2")]
    [InlineData("--every-solution-uses-share", "create", "--every-solution-uses", "/", "--every-solution-uses-share", "half")]
    [InlineData("--retry-seconds must not be negative", "create", "--retry-seconds", "-1")]
    public void Bad_options_exit_2_with_one_line(string expected, params string[] args)
    {
        var run = AprCli.Run(["experiment", args[0], NewName("bad"), .. args[1..], "--silo", Silo, "--token", ExperimentCalls.Token]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(expected, run.StdErr);
        Assert.Single(run.StdErr.Trim().Split('\n'));
    }

    [Fact]
    public void Control_without_a_token_and_unknown_names_exit_2()
    {
        var start = AprCli.Run("experiment", "start", NewName("none"), "--silo", Silo, "--token", "wrong-token");
        Assert.Equal(2, start.ExitCode);
        Assert.Contains("PermissionDenied", start.StdErr);
        var status = AprCli.Run("experiment", "status", NewName("none"), "--silo", Silo);
        Assert.Equal(2, status.ExitCode);
        Assert.Contains("NotFound", status.StdErr);
        var badUrl = AprCli.Run("experiment", "status", "x", "--silo", "not a url");
        Assert.Equal(2, badUrl.ExitCode);
    }

    private static string[] CreateArgs(string name, string silo, string groupSize = "2") =>
        ["experiment", "create", name, "--numbers", "3", "--group-size", groupSize, "--problems-per-step", "2", "--max-steps", "4",
         "--seed", "5", "--rollout-ahead", "0", "--silo", silo, "--token", ExperimentCalls.Token];

    [Fact]
    public void Create_and_start_again_are_no_ops_and_another_config_under_the_name_is_refused()
    {
        // What the Kubernetes GRPO Job's init containers rely on when the Job is created again.
        var name = NewName("again");
        string[] start = ["experiment", "start", name, "--silo", Silo, "--token", ExperimentCalls.Token];
        foreach (var (args, status) in new[] { (CreateArgs(name, Silo), "CREATED"), (start, "RUNNING"), (CreateArgs(name, Silo), "RUNNING"), (start, "RUNNING") })
        {
            var run = AprCli.Run(args);
            Assert.True(run.ExitCode == 0, $"{args[1]}: {run.StdErr}");
            Assert.Contains($"experiment {name}  {status}", run.StdOut);
        }
        var changed = AprCli.Run(CreateArgs(name, Silo, groupSize: "3"));
        Assert.Equal(2, changed.ExitCode);
        Assert.Contains("AlreadyExists", changed.StdErr);
        Assert.Contains("another config", changed.StdErr);
    }

    [Fact]
    public async Task Retry_seconds_waits_for_a_silo_that_comes_up_later()
    {
        // As a Kubernetes Job that starts beside the silos: apr calls an address where nothing listens yet, reports
        // UNAVAILABLE and retries; a silo process then starts on that port and the call goes through. The token comes
        // from the environment, as in the Job.
        var name = NewName("wait");
        var settings = SiloProcess.Settings("wait-" + Guid.NewGuid().ToString("N")[..12], RepositoryPaths.ShippedCheckpoint, ExperimentCalls.Token);
        var url = $"http://127.0.0.1:{settings["Apr__GrpcPort"]}";
        string[] args = [Path.Combine(ContainerRun.MapImagePath("/app/apr/"), "apr.dll"), .. CreateArgs(name, url)[..^2], "--retry-seconds", "120"];
        using var apr = new ContainerRun.Running(
            new ContainerRun.Plan("dotnet", args, new Dictionary<string, string> { [RemoteExperiments.TokenVariable] = ExperimentCalls.Token }),
            ContainerRun.MapImagePath("/app/apr/"));
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (!apr.Output.Contains("retrying", StringComparison.Ordinal))
        {
            Assert.False(apr.HasExited, $"apr exited before retrying:\n{apr.Output}");
            Assert.True(DateTime.UtcNow < deadline, $"apr did not retry within a minute:\n{apr.Output}");
            await Task.Delay(100);
        }
        using var silo = await SiloProcess.StartAsync(settings);
        int exit = await apr.WaitForExitAsync(TimeSpan.FromMinutes(2));
        Assert.True(exit == 0, $"apr:\n{apr.Output}\nsilo:\n{silo.Output}");
        Assert.Contains("Unavailable", apr.Output);
        Assert.Contains($"experiment {name}  CREATED", apr.Output);
    }

    [Fact]
    public void Retry_seconds_gives_up_when_its_window_ends_and_without_it_apr_fails_at_once()
    {
        var closed = $"http://127.0.0.1:{LoopbackPorts.Free().Grpc}";
        var started = DateTime.UtcNow;
        var patient = AprCli.Run("experiment", "status", "x", "--silo", closed, "--retry-seconds", "3");
        var waited = DateTime.UtcNow - started;
        Assert.Equal(2, patient.ExitCode);
        Assert.Contains("retrying", patient.StdErr);
        Assert.Contains("Unavailable", patient.StdErr.Trim().Split('\n')[^1]);
        Assert.InRange(waited, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(60));

        var impatient = AprCli.Run("experiment", "status", "x", "--silo", closed);
        Assert.Equal(2, impatient.ExitCode);
        Assert.DoesNotContain("retrying", impatient.StdErr);
        Assert.Single(impatient.StdErr.Trim().Split('\n'));
    }
}
