using System.Text.RegularExpressions;
using AprOrleans.Api;
using AprOrleans.Grains.Weights;
using AprOrleans.Interfaces.Weights;
using AprOrleans.Model.Checkpoints;
using AprOrleans.Reasoning.IO;
using Grpc.Core;

namespace AprOrleans.Silo.Api;

/// <summary>
/// One <c>Weights.Publish</c> stream received into a temporary file: the header is checked first, then the data is
/// written, hashed and passed to the store as it arrives (never held in memory), and the result must match the
/// header's size and sha256.
/// Disposing deletes the file unless the store has taken it.
/// </summary>
internal sealed partial class WeightUpload : IDisposable
{
    /// <summary>Largest data chunk the contract allows (training.proto, <c>Weights.Publish</c>: at most 1 MiB).</summary>
    public const int MaxChunkBytes = 1 << 20;

    private WeightUpload(string path, WeightVersionInfo version) => (Path, Version) = (path, version);

    public string Path { get; }
    public WeightVersionInfo Version { get; }

    /// <summary>The stream's first message, which must be a valid header.</summary>
    public static async Task<WeightHeader> ReadHeaderAsync(IAsyncStreamReader<WeightChunk> stream, long maxBytes, CancellationToken cancellationToken)
    {
        if (!await stream.MoveNext(cancellationToken))
            throw SolveRequestValidator.Invalid("header", "the stream is empty; send a header, then the data");
        if (stream.Current.PartCase != WeightChunk.PartOneofCase.Header)
            throw SolveRequestValidator.Invalid("header", "the first message must be the header, not data");
        var header = stream.Current.Header;
        Validate(header, maxBytes);
        return header;
    }

    /// <summary>Refuses (INVALID_ARGUMENT) a header whose version, sha256 or size cannot be right.</summary>
    public static void Validate(WeightHeader? header, long maxBytes)
    {
        if (header is null)
            throw SolveRequestValidator.Invalid("header", "is required");
        if (header.Version < 1)
            throw SolveRequestValidator.Invalid("header.version", $"{header.Version} must be at least 1 (version 0 is the configured checkpoint)");
        if (!Sha256Hex().IsMatch(header.Sha256))
            throw SolveRequestValidator.Invalid("header.sha256", "must be 64 lower-case hex digits");
        if (header.SizeBytes < 1 || header.SizeBytes > maxBytes)
            throw SolveRequestValidator.Invalid("header.size_bytes", $"{header.SizeBytes} is outside 1..{maxBytes} (Apr:MaxWeightBytes)");
    }

    /// <summary>
    /// Receives the data after <paramref name="header"/> into <paramref name="directory"/>, passing each chunk on to
    /// <paramref name="store"/> as it arrives, and verifies it (the caller commits the store only if all checks pass).
    /// </summary>
    public static async Task<WeightUpload> ReceiveAsync(
        IAsyncStreamReader<WeightChunk> stream, WeightHeader header, string directory, IWeightBlobWriter store, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var path = System.IO.Path.Combine(directory, $"upload-{Guid.NewGuid():N}.safetensors");
        try
        {
            long received;
            string sha256;
            await using (var file = new HashingFileWriter(path, MaxChunkBytes))
            {
                while (await stream.MoveNext(cancellationToken))
                {
                    var chunk = stream.Current;
                    if (chunk.PartCase != WeightChunk.PartOneofCase.Data)
                        throw SolveRequestValidator.Invalid("header", "only the first message may be a header; every later one must be data");
                    var data = chunk.Data.Memory;
                    if (data.Length > MaxChunkBytes)
                        throw SolveRequestValidator.Invalid("data", $"a chunk of {data.Length} bytes exceeds the {MaxChunkBytes}-byte limit");
                    if (file.Length + data.Length > header.SizeBytes)
                        throw SolveRequestValidator.Invalid("data", $"more bytes than header.size_bytes = {header.SizeBytes}");
                    await file.WriteAsync(data, cancellationToken);
                    await store.WriteAsync(data, cancellationToken);
                }
                (received, sha256) = (file.Length, file.Sha256());
            }
            if (received != header.SizeBytes)
                throw SolveRequestValidator.Invalid("header.size_bytes", $"the data has {received} bytes, the header says {header.SizeBytes}");
            if (sha256 != header.Sha256)
                throw SolveRequestValidator.Invalid("header.sha256", $"the data's sha256 is {sha256}, the header says {header.Sha256}");
            return new WeightUpload(path, new WeightVersionInfo(header.Version, sha256, received, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        }
        catch
        {
            File.Delete(path);
            throw;
        }
    }

    public void Dispose() => File.Delete(Path);

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Hex();
}
