namespace AprOrleans.Grains.Weights;

/// <summary>Where a silo keeps weight files and how it follows the registry.</summary>
public sealed class WeightOptions
{
    /// <summary>
    /// This silo's working directory for weights: uploads in progress (<c>incoming/</c>), local copies of fetched
    /// versions (<c>local/</c>) and, with memory storage, the blob store itself (<c>store/</c>).
    /// </summary>
    public string Directory { get; set; } = Path.Combine(Path.GetTempPath(), "apr-weights");

    /// <summary>Fallback for lost notifications: how often the silo asks the registry for the current version.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the silo renews its observer subscription (observers expire after <see cref="SubscriptionLifetime"/>).</summary>
    public TimeSpan ResubscribeInterval { get; set; } = TimeSpan.FromSeconds(30);

    public static readonly TimeSpan SubscriptionLifetime = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The cluster's shared weights volume (<see cref="AprOrleans.Storage.Weights.SharedWeightDirectory"/>), or
    /// null. When set, it holds the blob store (every silo reads published versions there in place, none fetches
    /// from PostgreSQL) and uploads arrive on it, and <c>Weights.PublishShared</c> takes blobs from its outbox.
    /// </summary>
    public string? SharedDirectory { get; set; }

    /// <summary>This silo's name: its uploads on a shared volume go to a folder of its own (see <see cref="IncomingDirectory"/>).</summary>
    public string SiloName { get; set; } = "silo";

    /// <summary>
    /// Where this silo's uploads and taken blobs wait for their checks: its own folder, which it empties at start. On a
    /// shared volume that is <c>incoming/{SiloName}</c>, so a blob moves into the shared store by a rename on the same
    /// file system and one silo's restart never deletes another's blob in flight.
    /// </summary>
    public string IncomingDirectory => SharedDirectory is null
        ? Path.Combine(Directory, "incoming")
        : Path.Combine(SharedDirectory, AprOrleans.Storage.Weights.SharedWeightDirectory.Incoming, SiloName);
    public string LocalDirectory => Path.Combine(Directory, "local");
    public string StoreDirectory => SharedDirectory is null
        ? Path.Combine(Directory, "store")
        : Path.Combine(SharedDirectory, AprOrleans.Storage.Weights.SharedWeightDirectory.Store);
}
