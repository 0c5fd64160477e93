using System.Security.Cryptography;

namespace AprOrleans.Reasoning.IO;

/// <summary>
/// A new file written while its SHA-256 and length are computed on the way (a write-only stream): a saved checkpoint
/// gets its digest and a received weight blob is checked against its announced size and hash, without reading the
/// file back and without the buffer copies of a <see cref="CryptoStream"/>.
/// </summary>
public sealed class HashingFileWriter : Stream
{
    private readonly FileStream _file;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _length;

    /// <summary>Creates <paramref name="path"/>, which must not exist yet.</summary>
    public HashingFileWriter(string path, int bufferSize) =>
        _file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize);

    /// <summary>Bytes written so far.</summary>
    public override long Length => _length;

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _hash.AppendData(buffer);
        _file.Write(buffer);
        _length += buffer.Length;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void WriteByte(byte value) => Write([value]);

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _hash.AppendData(buffer.Span);
        await _file.WriteAsync(buffer, cancellationToken);
        _length += buffer.Length;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>The SHA-256 of everything written so far, as 64 lower-case hex digits (the registry's form).</summary>
    public string Sha256() => Convert.ToHexStringLower(_hash.GetCurrentHash());

    /// <summary>Flushes the file through to the disk (a checkpoint must survive a crash right after its save).</summary>
    public void FlushToDisk() => _file.Flush(flushToDisk: true);

    public override void Flush() => _file.Flush();
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Position { get => _length; set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _file.Dispose();
            _hash.Dispose();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _file.DisposeAsync();
        _hash.Dispose();
        GC.SuppressFinalize(this);
    }
}
