namespace AprOrleans.Interfaces.Weights;

/// <summary>
/// One published weight version as the registry records it: the blob's identity (version, sha256, size) and when
/// it was published. Version 0 is the silo's configured checkpoint (Apr:Checkpoint) and has no blob.
/// </summary>
[GenerateSerializer, Immutable, Alias("apr.WeightVersionInfo")]
public sealed record WeightVersionInfo(
    [property: Id(0)] long Version,
    [property: Id(1)] string Sha256,
    [property: Id(2)] long SizeBytes,
    [property: Id(3)] long PublishedUnixMs)
{
    /// <summary>The configured checkpoint: what every batcher serves before anything is published.</summary>
    public static readonly WeightVersionInfo Configured = new(0, "", 0, 0);
}

/// <summary>What <see cref="IWeightRegistryGrain.Commit"/> did with a candidate version.</summary>
[GenerateSerializer, Alias("apr.WeightCommitOutcome")]
public enum WeightCommitOutcome
{
    /// <summary>The candidate is now the current version.</summary>
    Committed = 0,
    /// <summary>The same version with the same sha256 was already current: nothing changed.</summary>
    Unchanged = 1,
    /// <summary>The candidate is not above the current version (or reuses it with another blob).</summary>
    Stale = 2,
}

/// <summary>The registry's answer to a commit: the outcome and the version current afterwards.</summary>
[GenerateSerializer, Immutable, Alias("apr.WeightCommitResult")]
public sealed record WeightCommitResult(
    [property: Id(0)] WeightCommitOutcome Outcome,
    [property: Id(1)] WeightVersionInfo Current);

/// <summary>One silo's batchers as its weight-sync service announced them to the registry.</summary>
[GenerateSerializer, Immutable, Alias("apr.WeightSubscriber")]
public sealed record WeightSubscriber(
    [property: Id(0)] string SiloName,
    [property: Id(1)] string[] Devices);
