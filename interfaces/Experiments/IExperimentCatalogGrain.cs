namespace AprOrleans.Interfaces.Experiments;

/// <summary>
/// The names of the experiments a service holds (one grain, key <see cref="Key"/>; persisted). Grain storage cannot
/// be enumerated by key, so without it nothing could answer Experiments.List: each experiment grain adds itself when
/// created (and again whenever it activates with a persisted state, which brings in experiments older than the
/// catalog) and removes itself when deleted. It holds names only; an experiment's state stays in its own grain, and a
/// name whose experiment is gone (a delete that raced a create) is harmless: List skips it.
/// </summary>
[Alias("apr.IExperimentCatalogGrain")]
public interface IExperimentCatalogGrain : IGrainWithStringKey
{
    /// <summary>The one catalog of a service.</summary>
    public const string Key = "all";

    /// <summary>Records <paramref name="name"/>; a name already recorded is a no-op (no write).</summary>
    [Alias("add")]
    Task Add(string name);

    /// <summary>Forgets <paramref name="name"/>; an unknown name is a no-op.</summary>
    [Alias("remove")]
    Task Remove(string name);

    /// <summary>Every recorded name, sorted ordinal (the order List shows them in).</summary>
    [Alias("list")]
    Task<IReadOnlyList<string>> List();
}
