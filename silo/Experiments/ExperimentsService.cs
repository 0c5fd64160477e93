using AprOrleans.Api;
using AprOrleans.Interfaces.Experiments;
using AprOrleans.Silo.Api;
using Grpc.Core;

namespace AprOrleans.Silo.Experiments;

/// <summary>
/// The <c>Experiments</c> gRPC service (training.proto): control calls need the admin token; reads do not.
/// Bound by <see cref="ExperimentsMethodProvider"/> (strict request parsing). Each call is one short call to the experiment grain; Watch long-polls it (each poll under the call timeout); List reads the experiment catalog, then each experiment.
/// </summary>
public sealed class ExperimentsService(IGrainFactory grains, AdminAuthorization admin, IWeightVersionSource weights)
{
    private static readonly TimeSpan WatchWait = TimeSpan.FromSeconds(10);
    private const int ListBatch = 64;

    public async Task<Experiment> Create(CreateExperimentRequest request, ServerCallContext context)
    {
        admin.Require(context, "Create");
        var (name, spec) = ExperimentRequestValidator.Create(request);
        return ExperimentMapping.Unwrap(await Grain(name).Create(spec));
    }

    public async Task<Experiment> Start(ExperimentRef request, ServerCallContext context)
    {
        admin.Require(context, "Start");
        var grain = Grain(ExperimentRequestValidator.Name(request.Name, "name"));
        return ExperimentMapping.Unwrap(await grain.Start(await weights.CurrentAsync(context.CancellationToken)));
    }

    public async Task<Experiment> Pause(ExperimentRef request, ServerCallContext context)
    {
        admin.Require(context, "Pause");
        return ExperimentMapping.Unwrap(await Grain(ExperimentRequestValidator.Name(request.Name, "name")).Pause());
    }

    public async Task<Experiment> Delete(ExperimentRef request, ServerCallContext context)
    {
        admin.Require(context, "Delete");
        return ExperimentMapping.Unwrap(await Grain(ExperimentRequestValidator.Name(request.Name, "name")).Delete());
    }

    public async Task<Experiment> Resume(ExperimentRef request, ServerCallContext context)
    {
        admin.Require(context, "Resume");
        return ExperimentMapping.Unwrap(await Grain(ExperimentRequestValidator.Name(request.Name, "name")).Resume());
    }

    public async Task<Experiment> Get(ExperimentRef request, ServerCallContext context) =>
        ExperimentMapping.Unwrap(await Grain(ExperimentRequestValidator.Name(request.Name, "name")).Get());

    public async Task Watch(ExperimentRef request, IServerStreamWriter<Experiment> responseStream, ServerCallContext context)
    {
        var grain = Grain(ExperimentRequestValidator.Name(request.Name, "name"));
        var reply = await grain.Get();
        await responseStream.WriteAsync(ExperimentMapping.Unwrap(reply), context.CancellationToken);
        long seen = reply.Snapshot.Revision;
        while (!context.CancellationToken.IsCancellationRequested)
        {
            reply = await grain.WaitForChange(seen, WatchWait);
            if (reply.Snapshot.Revision == seen) continue;
            seen = reply.Snapshot.Revision;
            await responseStream.WriteAsync(ExperimentMapping.Unwrap(reply), context.CancellationToken);
        }
    }

    public async Task<ExperimentHistory> GetHistory(ExperimentRef request, ServerCallContext context)
    {
        var name = ExperimentRequestValidator.Name(request.Name, "name");
        var grain = Grain(name);
        ExperimentMapping.Unwrap(await grain.Get());
        var history = new ExperimentHistory { Name = name };
        history.Steps.AddRange((await grain.GetHistory()).Select(ExperimentMapping.Metrics));
        return history;
    }

    /// <summary>
    /// The catalog's names, each experiment's state from its own grain (the catalog holds names only, so the list
    /// is as fresh as Get). A name whose experiment is NOT_FOUND (deleted while the list is read, or by a delete
    /// that raced a create) is left out. Reads go out <see cref="ListBatch"/> at a time: each may activate a grain.
    /// </summary>
    public async Task<ExperimentList> List(ListExperimentsRequest request, ServerCallContext context)
    {
        var names = await grains.GetGrain<IExperimentCatalogGrain>(IExperimentCatalogGrain.Key).List();
        var list = new ExperimentList();
        foreach (var batch in names.Chunk(ListBatch))
        {
            var replies = await Task.WhenAll(batch.Select(name => Grain(name).Get()));
            list.Experiments.AddRange(replies.Where(r => r.Fault != ExperimentFault.NotFound).Select(ExperimentMapping.Unwrap));
        }
        return list;
    }

    private IExperimentGrain Grain(string name) => grains.GetGrain<IExperimentGrain>(name);
}
