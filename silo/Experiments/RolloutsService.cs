using AprOrleans.Api;
using AprOrleans.Interfaces.Experiments;
using AprOrleans.Silo.Api;
using Grpc.Core;

namespace AprOrleans.Silo.Experiments;

/// <summary>
/// The <c>Rollouts</c> gRPC service (training.proto), the trainer's side: pull a step's groups, report the step.
/// Bound by <see cref="RolloutsMethodProvider"/> (strict request parsing). PullGroups waits as long as the client lets it, sending progress every ~2 s, by long-polling the experiment
/// grain; then it reads every stored group from its rollout grain, in index order.
/// </summary>
public sealed class RolloutsService(IGrainFactory grains, AdminAuthorization admin, IWeightVersionSource weights)
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(2);

    public async Task PullGroups(PullGroupsRequest request, IServerStreamWriter<PullEvent> responseStream, ServerCallContext context)
    {
        admin.Require(context, "PullGroups");
        var name = ExperimentRequestValidator.Name(request.Experiment, "experiment");
        int step = ExperimentRequestValidator.Step(request.Step, "step");
        var grain = grains.GetGrain<IExperimentGrain>(name);
        var reply = await grain.Get();
        var experiment = ExperimentMapping.Unwrap(reply);
        var spec = experiment.Config;
        if (step >= spec.MaxSteps)
            throw Precondition($"step {step} is beyond the experiment's max_steps {spec.MaxSteps}");
        if (step > experiment.Step + spec.RolloutAhead)
            throw Precondition($"step {step} cannot start yet: the experiment is at step {experiment.Step} with rollout_ahead {spec.RolloutAhead}");
        if (step < experiment.Step - spec.RolloutAhead)
            throw Precondition($"step {step} is trained past by more than rollout_ahead {spec.RolloutAhead} (the experiment is at step {experiment.Step})");

        var snapshot = reply.Snapshot;
        while (snapshot.RolloutStepsReady <= step)
        {
            if (snapshot.Status == ExperimentState.Failed)
                throw Precondition($"experiment '{name}' failed: {snapshot.Error}");
            var progress = new PullProgress
            {
                Step = step,
                GroupsReady = snapshot.RolloutStepsReady == step ? snapshot.GroupsReady : 0,
                GroupsTotal = spec.ProblemsPerStep,
                Status = (ExperimentStatus)(int)snapshot.Status,
            };
            await responseStream.WriteAsync(new PullEvent { Progress = progress }, context.CancellationToken);
            var next = DateTime.UtcNow + ProgressInterval;
            while (snapshot.RolloutStepsReady <= step && DateTime.UtcNow < next)
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                snapshot = (await grain.WaitForChange(snapshot.Revision, next - DateTime.UtcNow)).Snapshot;
            }
        }
        for (int index = 0; index < spec.ProblemsPerStep; index++)
        {
            var group = await grains.GetGrain<IRolloutGrain>(RolloutSpec.RolloutKey(name, step, index)).GetGroup()
                ?? throw new RpcException(new Status(StatusCode.Internal, $"group ({step}, {index}) of '{name}' is counted as stored but its rollout has none"));
            await responseStream.WriteAsync(new PullEvent { Group = ExperimentMapping.Group(group) }, context.CancellationToken);
        }
    }

    public async Task<Experiment> ReportStep(StepReport request, ServerCallContext context)
    {
        admin.Require(context, "ReportStep");
        var name = ExperimentRequestValidator.Name(request.Experiment, "experiment");
        int step = ExperimentRequestValidator.Step(request.Step, "step");
        var grain = grains.GetGrain<IExperimentGrain>(name);
        var experiment = ExperimentMapping.Unwrap(await grain.Get());
        // A repeated report of a finished step is answered before the registry check: its version is no longer the newest.
        if (step < experiment.Step) return experiment;
        long current = await weights.CurrentAsync(context.CancellationToken);
        if (request.WeightVersion < current)
            throw Precondition($"weight_version {request.WeightVersion} is older than the registry's current version {current}");
        return ExperimentMapping.Unwrap(await grain.ReportStep(step, request.WeightVersion, ExperimentMapping.TrainerMetrics(request.Metrics)));
    }

    private static RpcException Precondition(string message) => new(new Status(StatusCode.FailedPrecondition, message));
}
