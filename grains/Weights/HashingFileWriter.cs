using System.Security.Cryptography;

namespace AprOrleans.Grains.Weights;

/// <summary>
/// A new file written chunk by chunk while its SHA-256 and length are computed on the way, so a received weight
/// blob is checked against its announced size and hash without reading it back from disk.
/// </summary>
public sealed class HashingFileWriter : IAsyncDisposable
{
    private readonly FileStream _file;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    /// <summary>Creates <paramref name="path"/>, which must not exist yet.</summary>
    public HashingFileWriter(string path, int bufferSize) =>
        _file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize);

    /// <summary>Bytes written so far.</summary>
    public long Length { get; private set; }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        _hash.AppendData(data.Span);
        await _file.WriteAsync(data, cancellationToken);
        Length += data.Length;
    }

    /// <summary>The SHA-256 of everything written so far, as 64 lower-case hex digits (the registry's form).</summary>
    public string Sha256() => Convert.ToHexStringLower(_hash.GetCurrentHash());

    public async ValueTask DisposeAsync()
    {
        try { await _file.DisposeAsync(); }
        finally { _hash.Dispose(); }
    }
}
