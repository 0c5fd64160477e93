using AprOrleans.Model.Checkpoints;
using AprOrleans.Silo.Engine;
using AprOrleans.Silo.Hosting;

namespace AprOrleans.Silo.Api;

/// <summary>
/// The tensors the served model has (names and shapes of the configured checkpoint's <c>model.safetensors</c>,
/// i.e. of the network its config.json describes): a published blob must have exactly these, in a float dtype the
/// engine converts from, or the batchers could not load it.
/// </summary>
public sealed class ServedTensorLayout(SiloSettings settings)
{
    private static readonly HashSet<string> FloatTypes = ["F32", "BF16", "F16"];
    private IReadOnlyDictionary<string, SafeTensorInfo>? _served;

    /// <summary>Null when the safetensors file at <paramref name="blobPath"/> fits the served model, else why not.</summary>
    public string? Mismatch(string blobPath)
    {
        var served = Served();
        IReadOnlyDictionary<string, SafeTensorInfo> blob;
        using (var stream = new FileStream(blobPath, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            try { blob = SafeTensors.ReadHeader(stream, "the blob").Tensors; }
            catch (InvalidDataException e) { return $"not a usable safetensors file: {e.Message}"; }
        }
        if (ModelCheckpoint.LayoutMismatch(served.ToDictionary(t => t.Key, t => t.Value.Shape, StringComparer.Ordinal), blob) is { } mismatch)
            return $"{mismatch} (against the served model)";
        var badType = blob.FirstOrDefault(t => !FloatTypes.Contains(t.Value.DType));
        return badType.Key is null ? null : $"tensor '{badType.Key}' has dtype {badType.Value.DType}; weights must be F32, BF16 or F16";
    }

    private IReadOnlyDictionary<string, SafeTensorInfo> Served()
    {
        if (_served is { } known) return known;
        var path = Path.Combine(TorchEngineDecoderFactory.ResolveCheckpoint(settings.Checkpoint), ModelCheckpoint.WeightsFile);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return _served = SafeTensors.ReadHeader(stream, path).Tensors;
    }
}
