using AprOrleans.Api;
using AprOrleans.Countdown.Checking;
using AprOrleans.Countdown.Problems;
using AprOrleans.Grains.Experiments;
using Google.Protobuf;
using Grpc.Core;

namespace AprOrleans.Tests.Service.Experiments;

/// <summary>One real silo on PostgreSQL with the admin token, decoding with <see cref="SearchScriptDecoder"/>.</summary>
public sealed class ExperimentSiloFixture : IAsyncLifetime
{
    internal TestCluster Cluster { get; private set; } = null!;
    internal ExperimentCalls Admin { get; private set; } = null!;
    internal ExperimentCalls Anonymous { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = await TestCluster.StartAsync(["silo-a"], adminToken: ExperimentCalls.Token, decodersFor: _ => new SearchScriptDecoderFactory());
        Admin = new ExperimentCalls(Cluster.Silos[0].Channel, ExperimentCalls.Token);
        Anonymous = new ExperimentCalls(Cluster.Silos[0].Channel, null);
    }

    public async Task DisposeAsync()
    {
        if (Cluster is not null) await Cluster.DisposeAsync();
    }
}

/// <summary>The Experiments and Rollouts services over real gRPC: production, pulls, reports, pause, auth and validation.</summary>
public sealed class ExperimentServiceTests(ExperimentSiloFixture fixture) : IClassFixture<ExperimentSiloFixture>
{
    private ExperimentCalls Admin => fixture.Admin;

    private static string NewName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..30];

    [Fact]
    public async Task Started_experiment_produces_step_0_groups_that_the_trainer_pulls()
    {
        var name = NewName("pull");
        var started = await Admin.CreateAndStartAsync(name, ExperimentCalls.Config(problemsPerStep: 4, groupSize: 3));
        Assert.Equal(ExperimentStatus.ExperimentRunning, started.Status);
        Assert.Equal(0, started.BaseVersion);

        var groups = await Admin.PullAsync(name, 0);

        Assert.Equal(new[] { 0, 1, 2, 3 }, groups.Select(g => g.Index));
        foreach (var group in groups)
        {
            Assert.Equal(0, group.Step);
            // The problem is the deterministic one of (problem_seed, step, index), and solvable.
            var problem = RolloutSeeds.Problem(3, 7, 0, group.Index);
            Assert.Equal(problem.Nums, group.Numbers);
            Assert.Equal(problem.Target, group.Target);
            Assert.Equal(3, group.Trajectories.Count);
            foreach (var t in group.Trajectories)
            {
                bool valid = t.Answer.Length > 0 && SolutionChecker.Check(problem, t.Answer).Valid;
                Assert.Equal(valid ? 1.0 : 0.0, t.Reward);
                Assert.NotEmpty(t.Segments);
                foreach (var s in t.Segments)
                {
                    Assert.NotEmpty(s.Context);
                    Assert.NotEmpty(s.Generated);
                    Assert.Equal(s.Generated.Count, s.LogProbs.Count);
                    Assert.Equal(s.Generated.Count, s.WeightVersions.Count);
                    Assert.All(s.LogProbs, p => Assert.Equal(-0.5f, p));
                }
                Assert.Equal(t.Segments.Sum(s => s.Generated.Count), t.TotalTokens);
            }
        }
        // The scripted search solves most problems: the checker found correct answers.
        Assert.Contains(groups.SelectMany(g => g.Trajectories), t => t.Reward == 1);
        // Pulling again returns the same stored groups, byte for byte.
        var again = await Admin.PullAsync(name, 0);
        Assert.Equal(groups.Select(g => g.ToByteString()), again.Select(g => g.ToByteString()));
    }

    [Fact]
    public async Task A_division_filtered_experiment_draws_only_problems_that_need_a_division()
    {
        var name = NewName("div");
        var config = ExperimentCalls.Config(problemsPerStep: 3, groupSize: 2);
        config.EverySolutionUses = "/";
        var started = await Admin.CreateAndStartAsync(name, config);
        Assert.Equal("/", started.Config.EverySolutionUses);

        var groups = await Admin.PullAsync(name, 0);

        Assert.Equal(3, groups.Count);
        foreach (var group in groups)
        {
            Assert.True(Solvability.EverySolutionUses(group.Numbers, group.Target, '/'), $"{string.Join(' ', group.Numbers)} -> {group.Target} has a solution without '/'");
            var problem = RolloutSeeds.Problem(3, 7, 0, group.Index, '/');
            Assert.Equal(problem.Nums, group.Numbers);
            Assert.Equal(problem.Target, group.Target);
        }
        // The unfiltered run of the same seed draws other problems at the same coordinates (most need no division).
        Assert.NotEqual(groups.Select(g => RolloutSeeds.Problem(3, 7, 0, g.Index).Target), groups.Select(g => g.Target));
    }

    [Fact]
    public async Task A_share_filters_the_first_groups_of_each_step_and_draws_the_rest_from_every_problem()
    {
        var name = NewName("div-share");
        var config = ExperimentCalls.Config(problemsPerStep: 4, groupSize: 2);
        config.EverySolutionUses = "/";
        config.EverySolutionUsesShare = 0.5;
        var started = await Admin.CreateAndStartAsync(name, config);
        Assert.Equal(0.5, started.Config.EverySolutionUsesShare);

        var groups = await Admin.PullAsync(name, 0);

        Assert.Equal(4, groups.Count);
        foreach (var group in groups)
        {
            char? required = group.Index < 2 ? '/' : null;
            var problem = RolloutSeeds.Problem(3, 7, 0, group.Index, required);
            Assert.Equal(problem.Nums, group.Numbers);
            Assert.Equal(problem.Target, group.Target);
            if (required is not null) Assert.True(Solvability.EverySolutionUses(group.Numbers, group.Target, '/'));
        }
        // What makes the check above able to fail: filtering the last two groups as well would draw other problems.
        Assert.NotEqual(groups.Where(g => g.Index >= 2).Select(g => RolloutSeeds.Problem(3, 7, 0, g.Index, '/').Target),
            groups.Where(g => g.Index >= 2).Select(g => g.Target));
    }

    [Fact]
    public async Task ReportStep_advances_the_step_exactly_once_and_records_the_metrics()
    {
        var name = NewName("report");
        await Admin.CreateAndStartAsync(name, ExperimentCalls.Config(problemsPerStep: 2, groupSize: 2, maxSteps: 2, rolloutAhead: 0));
        var groups = await Admin.PullAsync(name, 0);

        var ahead = await Assert.ThrowsAsync<RpcException>(() => Admin.ReportAsync(name, 1, 2));
        Assert.Equal(StatusCode.FailedPrecondition, ahead.StatusCode);
        var wrongVersion = await Assert.ThrowsAsync<RpcException>(() => Admin.ReportAsync(name, 0, 5));
        Assert.Equal(StatusCode.InvalidArgument, wrongVersion.StatusCode);
        Assert.Contains("weight_version", wrongVersion.Status.Detail);

        var first = await Admin.ReportAsync(name, 0, 1, loss: 0.25);
        Assert.Equal(1, first.Step);
        Assert.Equal(1, first.WeightVersion);
        var repeat = await Admin.ReportAsync(name, 0, 1, loss: 9);
        Assert.Equal(1, repeat.Step);
        Assert.Equal(0.25, repeat.Latest.Loss);

        var history = await Admin.Experiments.GetHistoryAsync(new ExperimentRef { Name = name });
        var step0 = Assert.Single(history.Steps);
        Assert.Equal(0, step0.Step);
        Assert.Equal(0.25, step0.Loss);
        Assert.Equal(9, step0.TrajectoriesUsed);
        Assert.Equal(1, step0.WeightVersion);
        var rewards = groups.SelectMany(g => g.Trajectories).Select(t => t.Reward).ToList();
        Assert.Equal(rewards.Average(), step0.RewardMean, 9);
        Assert.Equal(rewards.Count(r => r == 1) / (double)rewards.Count, step0.Accuracy, 9);
        Assert.Equal(groups.SelectMany(g => g.Trajectories).Average(t => t.TotalTokens), step0.TotalTokens, 9);

        // The last step ends the run.
        await Admin.PullAsync(name, 1);
        var done = await Admin.ReportAsync(name, 1, 2);
        Assert.Equal(ExperimentStatus.ExperimentDone, done.Status);
        Assert.Equal(2, done.Step);
        var beyond = await Assert.ThrowsAsync<RpcException>(() => Admin.PullAsync(name, 2));
        Assert.Equal(StatusCode.FailedPrecondition, beyond.StatusCode);
    }

    [Fact]
    public async Task Delete_removes_a_paused_experiment_and_its_stored_groups_and_refuses_a_running_one()
    {
        var name = NewName("delete");
        var config = ExperimentCalls.Config(problemsPerStep: 2, groupSize: 2, maxSteps: 4, rolloutAhead: 0);
        await Admin.CreateAndStartAsync(name, config);
        Assert.Equal(2, (await Admin.PullAsync(name, 0)).Count);
        Assert.Equal(3, await StoredRowsAsync(name)); // the experiment and its two groups

        var running = await Assert.ThrowsAsync<RpcException>(() => Admin.Experiments.DeleteAsync(new ExperimentRef { Name = name }, Admin.Auth).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, running.StatusCode);
        Assert.Contains("pause it first", running.Status.Detail);
        await Admin.Experiments.PauseAsync(new ExperimentRef { Name = name }, Admin.Auth);
        var anonymous = await Assert.ThrowsAsync<RpcException>(() => fixture.Anonymous.Experiments.DeleteAsync(new ExperimentRef { Name = name }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, anonymous.StatusCode);

        var deleted = await Admin.Experiments.DeleteAsync(new ExperimentRef { Name = name }, Admin.Auth);
        Assert.Equal(name, deleted.Name);
        Assert.Equal(0, await StoredRowsAsync(name));
        Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() => Admin.GetAsync(name))).StatusCode);
        // The name is free again: a new experiment under it starts from step 0.
        var again = await Admin.CreateAndStartAsync(name, config);
        Assert.Equal(0, again.Step);
    }

    /// <summary>Rows with a payload this experiment's grains stored (its own state, its rollout groups) in the fixture's service.</summary>
    private async Task<long> StoredRowsAsync(string name)
    {
        await using var connection = new Npgsql.NpgsqlConnection(TestPostgres.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "SELECT count(*) FROM orleansstorage WHERE serviceid = @s AND payloadbinary IS NOT NULL " +
            "AND (grainidextensionstring = @name OR grainidextensionstring LIKE @prefix)", connection);
        command.Parameters.AddWithValue("s", fixture.Cluster.ServiceId);
        command.Parameters.AddWithValue("name", name);
        command.Parameters.AddWithValue("prefix", name + "/%");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Pause_stops_production_until_resume()
    {
        var name = NewName("pause");
        await Admin.CreateAndStartAsync(name, ExperimentCalls.Config(problemsPerStep: 2, groupSize: 2, maxSteps: 4, rolloutAhead: 0));
        await Admin.PullAsync(name, 0);
        var paused = await Admin.Experiments.PauseAsync(new ExperimentRef { Name = name }, Admin.Auth);
        Assert.Equal(ExperimentStatus.ExperimentPaused, paused.Status);
        // Reporting step 0 allows step 1, but a paused experiment starts nothing: the pull only ever sees progress.
        await Admin.ReportAsync(name, 0, 1);
        var waiting = await Assert.ThrowsAsync<RpcException>(() => Admin.PullEventsAsync(name, 1, TimeSpan.FromSeconds(5)));
        Assert.Equal(StatusCode.DeadlineExceeded, waiting.StatusCode);
        var experiment = await Admin.GetAsync(name);
        Assert.Equal(1, experiment.RolloutStepsReady);
        Assert.Equal(0, experiment.GroupsReady);

        var resumed = await Admin.Experiments.ResumeAsync(new ExperimentRef { Name = name }, Admin.Auth);
        Assert.Equal(ExperimentStatus.ExperimentRunning, resumed.Status);
        var events = await Admin.PullEventsAsync(name, 1, TimeSpan.FromMinutes(3));
        Assert.Equal(new[] { 0, 1 }, events.Where(e => e.EventCase == PullEvent.EventOneofCase.Group).Select(e => e.Group.Index));
    }

    [Fact]
    public async Task Pull_of_a_paused_step_streams_progress_saying_paused()
    {
        var name = NewName("progress");
        await Admin.CreateAndStartAsync(name, ExperimentCalls.Config(problemsPerStep: 2, groupSize: 2, maxSteps: 4, rolloutAhead: 0));
        await Admin.PullAsync(name, 0);
        await Admin.Experiments.PauseAsync(new ExperimentRef { Name = name }, Admin.Auth);
        await Admin.ReportAsync(name, 0, 1);
        using var call = Admin.Rollouts.PullGroups(new PullGroupsRequest { Experiment = name, Step = 1 }, Admin.Auth);
        Assert.True(await call.ResponseStream.MoveNext());
        var progress = call.ResponseStream.Current.Progress;
        Assert.Equal(new PullProgress { Step = 1, GroupsReady = 0, GroupsTotal = 2, Status = ExperimentStatus.ExperimentPaused }, progress);
    }

    [Fact]
    public async Task Control_calls_without_the_token_are_permission_denied()
    {
        var name = NewName("auth");
        var anonymous = fixture.Anonymous;
        var experiment = new ExperimentRef { Name = name };
        var calls = new (string Call, Func<Task> Run)[]
        {
            ("Create", () => anonymous.Experiments.CreateAsync(new CreateExperimentRequest { Name = name, Config = ExperimentCalls.Config() }).ResponseAsync),
            ("Start", () => anonymous.Experiments.StartAsync(experiment).ResponseAsync),
            ("Pause", () => anonymous.Experiments.PauseAsync(experiment).ResponseAsync),
            ("Resume", () => anonymous.Experiments.ResumeAsync(experiment).ResponseAsync),
            ("PullGroups", () => anonymous.PullEventsAsync(name, 0, TimeSpan.FromSeconds(30))),
            ("ReportStep", () => anonymous.ReportAsync(name, 0, 1)),
        };
        foreach (var (call, run) in calls)
        {
            var e = await Assert.ThrowsAsync<RpcException>(run);
            Assert.True(e.StatusCode == StatusCode.PermissionDenied, $"{call}: {e.Status}");
        }
        var wrong = new ExperimentCalls(fixture.Cluster.Silos[0].Channel, "not-the-token");
        var refused = await Assert.ThrowsAsync<RpcException>(() => wrong.Experiments.CreateAsync(new CreateExperimentRequest { Name = name }, wrong.Auth).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        // Nothing was created, and reads need no token.
        var missing = await Assert.ThrowsAsync<RpcException>(() => anonymous.GetAsync(name));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }

    [Theory]
    [InlineData("name", "bad name!", null)]
    [InlineData("config.numbers", null, "numbers=9")]
    [InlineData("config.group_size", null, "group_size=1")]
    [InlineData("config.problems_per_step", null, "problems_per_step=2000")]
    [InlineData("config.max_steps", null, "max_steps=-1")]
    [InlineData("config.rollout_ahead", null, "rollout_ahead=9")]
    [InlineData("config.sampling.temperature", null, "temperature=-1")]
    [InlineData("config.limits.max_depth", null, "max_depth=7")]
    [InlineData("config.every_solution_uses", null, "uses=x")]
    [InlineData("config.every_solution_uses", null, "uses=//")]
    [InlineData("config.every_solution_uses", null, "numbers=5,uses=/")]
    [InlineData("config.every_solution_uses_share", null, "share=0.5")]
    [InlineData("config.every_solution_uses_share", null, "uses=/,share=1.5")]
    [InlineData("config.every_solution_uses_share", null, "uses=/,share=0")]
    [InlineData("config.every_solution_uses_share", null, "uses=/,share=0.001")]
    public async Task Bad_config_is_invalid_argument_naming_the_field(string field, string? name, string? change)
    {
        var config = ExperimentCalls.Config();
        switch (change)
        {
            case "numbers=9": config.Numbers = 9; break;
            case "group_size=1": config.GroupSize = 1; break;
            case "problems_per_step=2000": config.ProblemsPerStep = 2000; break;
            case "max_steps=-1": config.MaxSteps = -1; break;
            case "rollout_ahead=9": config.RolloutAhead = 9; break;
            case "temperature=-1": config.Sampling.Temperature = -1; break;
            case "max_depth=7": config.Limits = new Limits { MaxDepth = 7 }; break;
            case "uses=x": config.EverySolutionUses = "x"; break;
            case "uses=//": config.EverySolutionUses = "//"; break;
            case "numbers=5,uses=/": config.Numbers = 5; config.EverySolutionUses = "/"; break;
            case "share=0.5": config.EverySolutionUsesShare = 0.5; break;
            case "uses=/,share=1.5": config.EverySolutionUses = "/"; config.EverySolutionUsesShare = 1.5; break;
            case "uses=/,share=0": config.EverySolutionUses = "/"; config.EverySolutionUsesShare = 0; break;
            case "uses=/,share=0.001": config.EverySolutionUses = "/"; config.EverySolutionUsesShare = 0.001; break;
        }
        var e = await Assert.ThrowsAsync<RpcException>(() =>
            Admin.Experiments.CreateAsync(new CreateExperimentRequest { Name = name ?? NewName("bad"), Config = config }, Admin.Auth).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.StartsWith($"field '{field}'", e.Status.Detail);
    }

    [Theory]
    [InlineData("apr.v1.Experiments", "Create")]
    [InlineData("apr.v1.Experiments", "Get")]
    [InlineData("apr.v1.Experiments", "List")]
    [InlineData("apr.v1.Rollouts", "ReportStep")]
    public async Task Bytes_that_are_not_a_message_are_invalid_argument(string service, string name)
    {
        // Field 1, length 5, but only one byte follows: no protobuf parser accepts it.
        var truncated = new byte[] { 0x0A, 0x05, 0x61 };
        var method = new Method<byte[], byte[]>(MethodType.Unary, service, name, Marshallers.Create(b => b, b => b), Marshallers.Create(b => b, b => b));
        var invoker = fixture.Cluster.Silos[0].Channel.CreateCallInvoker();
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            invoker.AsyncUnaryCall(method, null, new CallOptions(Admin.Auth, DateTime.UtcNow.AddMinutes(1)), truncated).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("field 'request': the bytes are not a", error.Status.Detail);
    }

    [Fact]
    public async Task Create_is_idempotent_for_the_same_config_and_refuses_another()
    {
        var name = NewName("create");
        var created = await Admin.Experiments.CreateAsync(new CreateExperimentRequest { Name = name, Config = new ExperimentConfig() }, Admin.Auth);
        Assert.Equal(ExperimentStatus.ExperimentCreated, created.Status);
        // Defaults filled in.
        Assert.Equal((3, 5, 64, 100, 1), (created.Config.Numbers, created.Config.GroupSize, created.Config.ProblemsPerStep, created.Config.MaxSteps, created.Config.RolloutAhead));
        Assert.Equal(1, created.Config.Limits.MaxDepth);
        var same = await Admin.Experiments.CreateAsync(new CreateExperimentRequest { Name = name, Config = new ExperimentConfig { GroupSize = 5 } }, Admin.Auth);
        Assert.Equal(created.Config, same.Config);
        var other = await Assert.ThrowsAsync<RpcException>(() =>
            Admin.Experiments.CreateAsync(new CreateExperimentRequest { Name = name, Config = new ExperimentConfig { GroupSize = 6 } }, Admin.Auth).ResponseAsync);
        Assert.Equal(StatusCode.AlreadyExists, other.StatusCode);
        var notStarted = await Assert.ThrowsAsync<RpcException>(() => Admin.ReportAsync(name, 0, 1));
        Assert.Equal(StatusCode.FailedPrecondition, notStarted.StatusCode);
        var tooFar = await Assert.ThrowsAsync<RpcException>(() => Admin.PullAsync(name, 2));
        Assert.Equal(StatusCode.FailedPrecondition, tooFar.StatusCode);
    }

    [Fact]
    public async Task Watch_streams_the_state_and_its_changes()
    {
        var name = NewName("watch");
        await Admin.Experiments.CreateAsync(new CreateExperimentRequest { Name = name, Config = ExperimentCalls.Config(problemsPerStep: 2, groupSize: 2) }, Admin.Auth);
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        using var watch = Admin.Experiments.Watch(new ExperimentRef { Name = name }, cancellationToken: limit.Token);
        Assert.True(await watch.ResponseStream.MoveNext(limit.Token));
        Assert.Equal(ExperimentStatus.ExperimentCreated, watch.ResponseStream.Current.Status);
        await Admin.Experiments.StartAsync(new ExperimentRef { Name = name }, Admin.Auth);
        while (await watch.ResponseStream.MoveNext(limit.Token))
        {
            if (watch.ResponseStream.Current.RolloutStepsReady >= 1) break;
        }
        Assert.Equal(ExperimentStatus.ExperimentRunning, watch.ResponseStream.Current.Status);
        Assert.True(watch.ResponseStream.Current.RolloutStepsReady >= 1);
    }

    [Fact]
    public async Task Per_step_metrics_are_exported_on_the_metrics_endpoint()
    {
        var name = NewName("metrics");
        await Admin.CreateAndStartAsync(name, ExperimentCalls.Config(problemsPerStep: 1, groupSize: 2, maxSteps: 1, rolloutAhead: 0));
        await Admin.PullAsync(name, 0);
        await Admin.ReportAsync(name, 0, 1, loss: 0.125);
        using var http = new HttpClient();
        var text = await http.GetStringAsync($"http://127.0.0.1:{fixture.Cluster.Silos[0].HttpPort}/metrics");
        Assert.Matches($"apr_experiment_loss\\{{[^}}]*experiment=\"{name}\"[^}}]*\\}} 0\\.125", text);
        Assert.Contains("apr_experiment_reward_mean{", text);
        Assert.Contains("apr_experiment_groups_total{", text);
    }
}
