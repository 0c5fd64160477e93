using System.Security.Cryptography;

namespace AprOrleans.Storage.Weights;

/// <summary>
/// The digest that names a weight blob (<c>WeightHeader.sha256</c>, the store's file names): the publisher computes it
/// before announcing a file, and the silo again on what it takes from the shared volume, so both must agree on it.
/// </summary>
public static class WeightFileDigest
{
    // Large sequential reads: blobs are hundreds of MB and are read once.
    private const int ReadBufferBytes = 1 << 20;

    /// <summary>Lower-case hex SHA-256 of a file, as <c>WeightHeader.sha256</c> expects.</summary>
    public static async Task<string> Sha256HexAsync(string filePath, CancellationToken cancellationToken = default)
    {
        await using var file = new FileStream(filePath, FileMode.Open, FileAccess.Read, FileShare.Read, ReadBufferBytes, FileOptions.SequentialScan);
        var hash = await SHA256.HashDataAsync(file, cancellationToken).ConfigureAwait(false);
        return Convert.ToHexStringLower(hash);
    }
}
