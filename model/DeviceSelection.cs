using TorchSharp;
using static TorchSharp.torch;

namespace AprOrleans.Model;

/// <summary>Parses the project's device names (<c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>) and picks the matching dtypes.</summary>
public static class DeviceSelection
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the device when it is malformed or absent.</summary>
    public static Device Parse(string name)
    {
        if (name == "cpu") return CPU;
        if (name == "meta") return torch.META;
        if (name == "cuda" || name.StartsWith("cuda:", StringComparison.Ordinal))
        {
            int index = 0;
            if (name != "cuda" && !int.TryParse(name.AsSpan(5), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out index))
                throw new ArgumentException($"device '{name}': expected cuda:N with N a GPU index");
            if (!cuda.is_available())
                throw new ArgumentException($"device '{name}': CUDA is not available on this machine");
            if (index >= cuda.device_count())
                throw new ArgumentException($"device '{name}': only {cuda.device_count()} CUDA device(s)");
            return new Device(DeviceType.CUDA, index);
        }
        throw new ArgumentException($"device '{name}': expected cpu, cuda or cuda:N");
    }

    /// <summary>
    /// Inference weights: bf16 on CUDA (half the memory traffic of decode, which is memory-bound), fp32 on CPU
    /// (CPU bf16 matmuls are slow and the tests compare logits at 1e-4).
    /// </summary>
    public static ScalarType InferenceDType(Device device) =>
        device.type == DeviceType.CUDA ? ScalarType.BFloat16 : ScalarType.Float32;

    /// <summary>Training keeps fp32 master weights everywhere.</summary>
    public static ScalarType TrainingDType => ScalarType.Float32;

    /// <summary><see cref="Device"/> compares by reference; compare devices by type and index instead.</summary>
    public static bool Same(Device a, Device b) => a.type == b.type && a.index == b.index;
}
