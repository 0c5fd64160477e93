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
    /// Starts storing the blob a header announced, so its bytes can be written while they arrive. Nothing becomes
    /// visible before <see cref="IWeightBlobWriter.CommitAsync"/>; a blob already stored is not written again.
    /// </summary>
    Task<IWeightBlobWriter> BeginAsync(WeightVersionInfo version, CancellationToken cancellationToken);

    /// <summary>
    /// A file on this machine holding the blob: fetched into <paramref name="localDirectory"/> (and checked against
    /// its size and sha256), or the store's own file where the store is local.
    /// </summary>
    Task<string> FetchAsync(WeightVersionInfo version, string localDirectory, CancellationToken cancellationToken);

    /// <summary>Deletes the blobs of versions below <paramref name="version"/>.</summary>
    Task DeleteBelowAsync(long version, CancellationToken cancellationToken);
}

/// <summary>One blob on its way into the store; disposing it without a commit discards everything written.</summary>
public interface IWeightBlobWriter : IAsyncDisposable
{
    Task WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>
    /// Makes the blob visible. <paramref name="verifiedFile"/> is the whole blob on this machine, already checked
    /// against the header's size and sha256; a local store may take (move) it.
    /// </summary>
    Task CommitAsync(string verifiedFile, CancellationToken cancellationToken);
}
