using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

namespace AprOrleans.Model.Checkpoints;

/// <summary>One tensor's entry in a safetensors header.</summary>
public sealed record SafeTensorInfo(string Name, string DType, long[] Shape, long Begin, long End);

/// <summary>
/// The safetensors format, written here directly: 8-byte little-endian header length, a JSON header mapping
/// each tensor name to {dtype, shape, data_offsets [begin, end)} relative to the data section, then the raw
/// little-endian bytes. Tensors are streamed one at a time so a 900 MB checkpoint never sits in managed memory.
/// </summary>
public static class SafeTensors
{
    private const long MaxHeaderBytes = 100_000_000;

    public static string DTypeName(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => "F32",
        ScalarType.BFloat16 => "BF16",
        ScalarType.Float16 => "F16",
        ScalarType.Float64 => "F64",
        ScalarType.Int64 => "I64",
        ScalarType.Int32 => "I32",
        ScalarType.Byte => "U8",
        _ => throw new NotSupportedException($"dtype {dtype} has no safetensors name here"),
    };

    public static ScalarType ScalarTypeOf(string name) => name switch
    {
        "F32" => ScalarType.Float32,
        "BF16" => ScalarType.BFloat16,
        "F16" => ScalarType.Float16,
        "F64" => ScalarType.Float64,
        "I64" => ScalarType.Int64,
        "I32" => ScalarType.Int32,
        "U8" => ScalarType.Byte,
        _ => throw new InvalidDataException($"unsupported safetensors dtype '{name}'"),
    };

    private static long ElementBytes(string dtype) => dtype switch
    {
        "F64" or "I64" => 8,
        "F32" or "I32" => 4,
        "BF16" or "F16" => 2,
        "U8" => 1,
        _ => throw new InvalidDataException($"unsupported safetensors dtype '{dtype}'"),
    };

    /// <summary>
    /// Writes <paramref name="tensors"/> (any device; copied to CPU one at a time) to <paramref name="stream"/>, in
    /// <paramref name="dtype"/> when given (each tensor converted as it is written), else in each tensor's own dtype.
    /// </summary>
    public static void Write(Stream stream, IReadOnlyList<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null,
        ScalarType? dtype = null)
    {
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var meta = new JsonObject();
            foreach (var (k, v) in metadata) meta[k] = v;
            header["__metadata__"] = meta;
        }
        long offset = 0;
        foreach (var (name, t) in tensors)
        {
            var stored = dtype ?? t.dtype;
            long bytes = t.numel() * ElementBytes(DTypeName(stored));
            header[name] = new JsonObject
            {
                ["dtype"] = DTypeName(stored),
                ["shape"] = new JsonArray([.. t.shape.Select(d => (JsonNode)JsonValue.Create(d))]),
                ["data_offsets"] = new JsonArray(JsonValue.Create(offset), JsonValue.Create(offset + bytes)),
            };
            offset += bytes;
        }
        var headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
        // Pad the header with spaces to a multiple of 8 so the data section is aligned (the format allows it).
        int padded = (headerBytes.Length + 7) / 8 * 8;
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)padded);
        stream.Write(prefix);
        stream.Write(headerBytes);
        for (int i = headerBytes.Length; i < padded; i++) stream.WriteByte((byte)' ');

        foreach (var (_, t) in tensors)
        {
            using var scope = NewDisposeScope();
            var cpu = t.detach().to(dtype ?? t.dtype).cpu().contiguous();
            stream.Write(cpu.bytes);
        }
    }

    /// <summary>Reads and validates the header: every tensor's extent must lie inside the file (else the file is truncated).</summary>
    public static (IReadOnlyDictionary<string, SafeTensorInfo> Tensors, long DataStart) ReadHeader(Stream stream, string path)
    {
        Span<byte> prefix = stackalloc byte[8];
        if (ReadFully(stream, prefix) < 8) throw new InvalidDataException($"{path}: truncated safetensors file (no header length)");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > MaxHeaderBytes || (long)headerLength > stream.Length - 8)
            throw new InvalidDataException($"{path}: truncated or corrupt safetensors file (header of {headerLength} bytes, file of {stream.Length})");
        var headerBytes = new byte[headerLength];
        if (ReadFully(stream, headerBytes) < headerBytes.Length) throw new InvalidDataException($"{path}: truncated safetensors header");
        JsonObject header;
        try
        {
            header = JsonNode.Parse(headerBytes)?.AsObject() ?? throw new InvalidDataException($"{path}: empty safetensors header");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: safetensors header is not JSON ({e.Message})");
        }
        long dataStart = 8 + (long)headerLength;
        long dataLength = stream.Length - dataStart;
        var tensors = new Dictionary<string, SafeTensorInfo>(StringComparer.Ordinal);
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__") continue;
            try
            {
                string dtype = node!["dtype"]!.GetValue<string>();
                long[] shape = [.. node["shape"]!.AsArray().Select(d => d!.GetValue<long>())];
                var offsets = node["data_offsets"]!.AsArray();
                long begin = offsets[0]!.GetValue<long>(), end = offsets[1]!.GetValue<long>();
                long expected = shape.Aggregate(1L, (a, b) => a * b) * ElementBytes(dtype);
                if (end - begin != expected || begin < 0)
                    throw new InvalidDataException($"{path}: tensor '{name}' has data_offsets [{begin}, {end}) for {expected} bytes");
                if (end > dataLength)
                    throw new InvalidDataException($"{path}: truncated file: tensor '{name}' ends at byte {end} of a {dataLength}-byte data section");
                tensors[name] = new SafeTensorInfo(name, dtype, shape, begin, end);
            }
            catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException or JsonException)
            {
                throw new InvalidDataException($"{path}: tensor '{name}' has a malformed header entry ({e.Message})");
            }
        }
        return (tensors, dataStart);
    }

    /// <summary>Reads one tensor onto the CPU in its stored dtype.</summary>
    public static Tensor ReadTensor(Stream stream, long dataStart, SafeTensorInfo info, string path)
    {
        var t = empty(info.Shape, dtype: ScalarTypeOf(info.DType));
        ReadInto(stream, dataStart, info, t, path);
        return t;
    }

    /// <summary>
    /// Reads one tensor straight into <paramref name="target"/> (same shape): into its own memory when it is a
    /// contiguous CPU tensor of the stored dtype (no managed copy of a possibly 100 MB tensor), otherwise through a
    /// CPU tensor of the stored dtype that <c>copy_</c> converts and moves.
    /// </summary>
    public static void ReadInto(Stream stream, long dataStart, SafeTensorInfo info, Tensor target, string path)
    {
        var stored = ScalarTypeOf(info.DType);
        bool direct = target.device_type == DeviceType.CPU && target.dtype == stored && target.is_contiguous();
        using var staging = direct ? null : empty(info.Shape, dtype: stored);
        stream.Seek(dataStart + info.Begin, SeekOrigin.Begin);
        if (ReadFully(stream, (staging ?? target).bytes) < info.End - info.Begin)
            throw new InvalidDataException($"{path}: truncated file while reading tensor '{info.Name}'");
        if (staging is not null) target.copy_(staging);
    }

    private static int ReadFully(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer[total..]);
            if (n == 0) break;
            total += n;
        }
        return total;
    }
}
