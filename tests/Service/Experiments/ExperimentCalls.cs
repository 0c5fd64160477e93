using AprOrleans.Api;
using AprOrleans.Interfaces.Admin;
using Grpc.Core;
using Grpc.Net.Client;

namespace AprOrleans.Tests.Service.Experiments;

/// <summary>The experiment API as a trainer or operator calls it over real gRPC, with or without the admin token.</summary>
internal sealed class ExperimentCalls(GrpcChannel channel, string? token)
{
    public const string Token = TestCluster.AdminToken;

    public AprOrleans.Api.Experiments.ExperimentsClient Experiments { get; } = new(channel);
    public Rollouts.RolloutsClient Rollouts { get; } = new(channel);

    public Metadata Auth => token is null ? [] : AdminMetadata.For(token);

    public static ExperimentConfig Config(int problemsPerStep = 4, int groupSize = 3, int maxSteps = 3, int rolloutAhead = 1, long seed = 7) => new()
    {
        Numbers = 3,
        ProblemSeed = seed,
        GroupSize = groupSize,
        ProblemsPerStep = problemsPerStep,
        MaxSteps = maxSteps,
        RolloutAhead = rolloutAhead,
        Sampling = new Sampling { Temperature = 1, Seed = seed },
    };

    public async Task<Experiment> CreateAndStartAsync(string name, ExperimentConfig config)
    {
        await Experiments.CreateAsync(new CreateExperimentRequest { Name = name, Config = config }, Auth);
        return await Experiments.StartAsync(new ExperimentRef { Name = name }, Auth);
    }

    /// <summary>Every event of one PullGroups call (progress and groups, in order).</summary>
    public async Task<List<PullEvent>> PullEventsAsync(string name, int step, TimeSpan limit)
    {
        using var call = Rollouts.PullGroups(new PullGroupsRequest { Experiment = name, Step = step }, Auth, DateTime.UtcNow + limit);
        var events = new List<PullEvent>();
        await foreach (var e in call.ResponseStream.ReadAllAsync()) events.Add(e);
        return events;
    }

    public async Task<List<RolloutGroup>> PullAsync(string name, int step, TimeSpan? limit = null) =>
        [.. (await PullEventsAsync(name, step, limit ?? TimeSpan.FromMinutes(3))).Where(e => e.EventCase == PullEvent.EventOneofCase.Group).Select(e => e.Group)];

    public Task<Experiment> ReportAsync(string name, int step, long weightVersion, double loss = 0.5) =>
        Rollouts.ReportStepAsync(new StepReport
        {
            Experiment = name,
            Step = step,
            WeightVersion = weightVersion,
            Metrics = new StepMetrics { Loss = loss, TrainSeconds = 1.5, TrajectoriesUsed = 9 },
        }, Auth).ResponseAsync;

    public Task<Experiment> GetAsync(string name) => Experiments.GetAsync(new ExperimentRef { Name = name }).ResponseAsync;

    /// <summary>Polls Get until <paramref name="done"/> holds (bounded, so a broken service fails the test instead of hanging it).</summary>
    public async Task<Experiment> WaitUntilAsync(string name, Func<Experiment, bool> done, TimeSpan? limit = null, TimeSpan? poll = null)
    {
        var deadline = DateTime.UtcNow + (limit ?? TimeSpan.FromMinutes(3));
        while (true)
        {
            var experiment = await GetAsync(name);
            if (done(experiment)) return experiment;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"experiment {name} never reached the awaited state; last: {experiment}");
            await Task.Delay(poll ?? TimeSpan.FromMilliseconds(200));
        }
    }
}
