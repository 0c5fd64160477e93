using AprOrleans.Interfaces.Weights;

namespace AprOrleans.Grains.Weights;

/// <summary>
/// Published weight blobs, stored where every silo of the cluster can read them (PostgreSQL), or in a local
/// directory for a single silo with memory storage. Blobs are keyed by version and sha256, so a blob is never
/// overwritten by another one. Weights travel through the store, never in Orleans messages.
/// </summary>
public interface IWeightStore
{
    /// <summary>
    /// Stores the verified blob at <paramref name="blobPath"/> (the store may move the file). Storing a blob that is
    /// already stored changes nothing.
    /// </summary>
    Task StoreAsync(WeightVersionInfo version, string blobPath, CancellationToken cancellationToken);

    /// <summary>
    /// A file on this machine holding the blob: fetched into <paramref name="localDirectory"/> (and checked against
    /// its size and sha256), or the store's own file where the store is local.
    /// </summary>
    Task<string> FetchAsync(WeightVersionInfo version, string localDirectory, CancellationToken cancellationToken);

    /// <summary>Deletes the blobs of versions below <paramref name="version"/>.</summary>
    Task DeleteBelowAsync(long version, CancellationToken cancellationToken);
}
