namespace AprOrleans.Grains.Experiments;

/// <summary>The catalog's persisted state (Orleans binary serializer; field ids are the storage format: never reuse one).</summary>
[GenerateSerializer, Alias("apr.ExperimentCatalogState")]
public sealed class ExperimentCatalogState
{
    /// <summary>Experiment names; the default string comparer is ordinal, as names are (training.proto's ExperimentRef).</summary>
    [Id(0)] public HashSet<string> Names { get; set; } = [];
}
