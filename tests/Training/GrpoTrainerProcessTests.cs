using AprOrleans.Api;
using AprOrleans.Tests.K8s;
using AprOrleans.Tests.Service;
using AprOrleans.Tests.Service.Experiments;
using AprOrleans.Trainer.Grpo;

namespace AprOrleans.Tests.Training;

/// <summary>
/// <c>trainer grpo</c> as a real process against a real silo (PostgreSQL, the real engine on the shipped
/// checkpoint): it trains on pulled groups, publishes weights every batcher then serves, and reports steps; killed
/// with SIGKILL, <c>--resume</c> continues from its last checkpoint at the same step, and the experiment ends with
/// every step reported exactly once. The silo has a shared weights directory: the first run uploads its weights
/// (Weights.Publish), the resumed one hands them over through the directory (<c>--shared-weights</c>).
/// </summary>
public sealed class GrpoTrainerProcessTests : IDisposable
{
    private static readonly string Checkpoint = RepositoryPaths.ShippedCheckpoint;
    private readonly string _out = Directory.CreateTempSubdirectory("apr-grpo-run-").FullName;

    public void Dispose() => Directory.Delete(_out, recursive: true);

    private ContainerRun.Running Trainer(int grpcPort, params string[] args)
    {
        var directory = ContainerRun.MapImagePath("/app/trainer/");
        string[] common = ["--silo", $"http://127.0.0.1:{grpcPort}", "--token", TestCluster.AdminToken, "--threads", "1"];
        return new ContainerRun.Running(new ContainerRun.Plan("dotnet", [Path.Combine(directory, "trainer.dll"), "grpo", .. args, .. common],
            new Dictionary<string, string>()), _out);
    }

    [Fact]
    public async Task A_killed_trainer_resumes_from_its_last_checkpoint_and_every_step_is_reported_once()
    {
        var shared = Directory.CreateDirectory(Path.Combine(_out, "shared")).FullName;
        await using var cluster = await TestCluster.StartAsync(["grpo-silo"], withEngine: false, checkpoint: Checkpoint, sharedWeights: shared);
        var silo = cluster["grpo-silo"];
        var admin = new ExperimentCalls(silo.Channel, TestCluster.AdminToken);
        var name = "grpo-" + Guid.NewGuid().ToString("N")[..8];
        var config = ExperimentCalls.Config(problemsPerStep: 2, groupSize: 2, maxSteps: 3, rolloutAhead: 0);
        config.Limits = new Limits { MaxTokensPerThread = 256, MaxTotalTokens = 2048 };
        var started = await admin.CreateAndStartAsync(name, config);

        // First run: killed (SIGKILL) once step 0 is reported and its checkpoint marked.
        var firstCheckpoint = Path.Combine(_out, "run", "checkpoints", "step-00000001");
        using (var first = Trainer(silo.GrpcPort, "--experiment", name, "--init", Checkpoint, "--out", Path.Combine(_out, "run")))
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
            while (!(File.Exists(Path.Combine(firstCheckpoint, GrpoTrainerState.FileName)) && GrpoTrainerState.Read(firstCheckpoint).Reported))
            {
                Assert.False(first.HasExited, $"the trainer exited early:\n{first.Output}");
                Assert.True(DateTime.UtcNow < deadline, $"no reported step 0 within 5 minutes:\n{first.Output}");
                await Task.Delay(200);
            }
        } // Dispose kills the process tree.
        var midway = await admin.Experiments.GetAsync(new ExperimentRef { Name = name });
        Assert.InRange(midway.Step, 1, 2);

        // Resumed from the step-1 checkpoint: it must pick up at the experiment's step (1, or 2 if the killed run
        // got step 1 reported too — then it says so and refuses, naming the checkpoint to use).
        var resumeFrom = midway.Step == 1 ? firstCheckpoint : Path.Combine(_out, "run", "checkpoints", "step-00000002");
        using var second = Trainer(silo.GrpcPort, "--resume", resumeFrom, "--shared-weights", shared);
        Assert.Equal(0, await second.WaitForExitAsync(TimeSpan.FromMinutes(8)));
        Assert.Contains($"trainer at step {midway.Step}", second.Output);

        var done = await admin.Experiments.GetAsync(new ExperimentRef { Name = name });
        Assert.Equal(ExperimentStatus.ExperimentDone, done.Status);
        Assert.Equal(3, done.Step);
        Assert.Equal(started.BaseVersion + 3, done.WeightVersion);
        var history = await admin.Experiments.GetHistoryAsync(new ExperimentRef { Name = name });
        Assert.Equal([0, 1, 2], history.Steps.Select(s => s.Step));
        Assert.All(history.Steps, s => Assert.True(s.TrainSeconds > 0 && s.WeightVersion == started.BaseVersion + s.Step + 1, s.ToString()));
        var serving = await new Weights.WeightsClient(silo.Channel).ListServingAsync(new ListServingRequest());
        Assert.All(serving.Batchers, b => Assert.Equal(started.BaseVersion + 3, b.Version));
        // The last version came through the outbox (only PublishShared's publisher creates it; empty again) into the shared store.
        var outbox = Path.Combine(shared, AprOrleans.Storage.Weights.SharedWeightDirectory.Outbox);
        Assert.True(Directory.Exists(outbox), "the resumed trainer did not publish through the shared directory");
        Assert.Empty(Directory.EnumerateFiles(outbox));
        Assert.Single(Directory.EnumerateFiles(Path.Combine(shared, AprOrleans.Storage.Weights.SharedWeightDirectory.Store), $"v{started.BaseVersion + 3}-*.safetensors"));
    }
}
