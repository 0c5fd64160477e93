using AprOrleans.Api;
using AprOrleans.Interfaces.Admin;
using Grpc.Core;
using Grpc.Net.Client;
using ModelGroup = AprOrleans.Reasoning.Rl.RolloutGroup;

namespace AprOrleans.Trainer.Grpo;

/// <summary>
/// The trainer's side of the Rollouts and Experiments services: reads the experiment, pulls one step's groups
/// (streaming progress while the silo produces them) and reports finished steps. Every call carries the admin
/// token. Transient failures (silo restarting, unavailable) are retried with backoff, since a long run should
/// outlive a silo restart; anything else propagates.
/// </summary>
public sealed class RolloutFeed(GrpcChannel channel, string token, TextWriter log)
{
    private readonly Rollouts.RolloutsClient _rollouts = new(channel);
    private readonly Experiments.ExperimentsClient _experiments = new(channel);
    private readonly Metadata _auth = AdminMetadata.For(token);

    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);

    public Task<Experiment> GetAsync(string experiment, CancellationToken ct) =>
        Retry(() => _experiments.GetAsync(new ExperimentRef { Name = experiment }, _auth, cancellationToken: ct).ResponseAsync, ct);

    public Task<Experiment> ReportAsync(StepReport report, CancellationToken ct) =>
        Retry(() => _rollouts.ReportStepAsync(report, _auth, cancellationToken: ct).ResponseAsync, ct);

    /// <summary>Every group of <paramref name="step"/>, in index order, once all are stored.</summary>
    public Task<IReadOnlyList<ModelGroup>> PullAsync(string experiment, int step, Action<PullProgress> progress, CancellationToken ct) =>
        Retry(async () =>
        {
            var groups = new List<ModelGroup>();
            using var call = _rollouts.PullGroups(new PullGroupsRequest { Experiment = experiment, Step = step }, _auth, cancellationToken: ct);
            await foreach (var e in call.ResponseStream.ReadAllAsync(ct))
            {
                if (e.Progress is { } p) progress(p);
                else if (e.Group is { } g)
                {
                    if (g.Step != step || g.Index != groups.Count)
                        throw new InvalidDataException($"pulled group {g.Step}/{g.Index} where {step}/{groups.Count} was due");
                    groups.Add(RolloutGroupMapping.ToModel(g));
                }
            }
            return (IReadOnlyList<ModelGroup>)groups;
        }, ct);

    /// <summary>Server faults (Unknown, Internal) are retried a few times only: they may be a bug, not a restart.</summary>
    private const int ServerFaultRetries = 5;

    private async Task<T> Retry<T>(Func<Task<T>> call, CancellationToken ct)
    {
        var backoff = TimeSpan.FromMilliseconds(500);
        int faults = 0;
        while (true)
        {
            try
            {
                return await call();
            }
            catch (RpcException e) when (!ct.IsCancellationRequested && (
                e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Aborted ||
                e.StatusCode is StatusCode.Unknown or StatusCode.Internal && ++faults <= ServerFaultRetries))
            {
                log.WriteLine($"grpo: silo call failed ({e.StatusCode}: {e.Status.Detail}); retrying in {backoff.TotalSeconds:F1} s");
                await Task.Delay(backoff, ct);
                backoff = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, backoff.Ticks * 2));
            }
        }
    }
}
