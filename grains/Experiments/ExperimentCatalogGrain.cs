using AprOrleans.Interfaces.Experiments;

namespace AprOrleans.Grains.Experiments;

/// <summary>
/// The service's experiment names (<see cref="IExperimentCatalogGrain"/>), in the storage the experiments use, so a
/// service on memory storage keeps both in memory and one on PostgreSQL keeps both there. Not reentrant: adds and
/// removes are applied and written one at a time, so no change is lost between two writes.
/// </summary>
public sealed class ExperimentCatalogGrain(
    [PersistentState("experiment-catalog", StorageNames.Solves)] IPersistentState<ExperimentCatalogState> state) : Grain, IExperimentCatalogGrain
{
    public async Task Add(string name)
    {
        // Every activation of every experiment calls this: only a new name costs a write.
        if (state.State.Names.Add(name)) await WriteAsync();
    }

    public async Task Remove(string name)
    {
        if (state.State.Names.Remove(name)) await WriteAsync();
    }

    public Task<IReadOnlyList<string>> List() =>
        Task.FromResult<IReadOnlyList<string>>([.. state.State.Names.Order(StringComparer.Ordinal)]);

    private async Task WriteAsync()
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // The change is in memory only: a later Add of the same name would be a no-op and never write it. Dropping
            // the activation makes the next call read what storage really holds (the caller sees the failure and retries).
            DeactivateOnIdle();
            throw;
        }
    }
}
