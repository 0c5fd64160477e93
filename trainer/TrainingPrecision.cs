namespace AprOrleans.Trainer;

/// <summary>
/// The trainers' precision choice: <c>fp32</c>, or <c>bf16</c> (a <see cref="Bf16ComputeCopy"/> computes, fp32
/// master weights take the update). Unset means the device's default: bf16 on CUDA, fp32 on the CPU.
/// </summary>
public static class TrainingPrecision
{
    public const string Fp32 = "fp32", Bf16 = "bf16";

    public static IReadOnlyList<string> Names { get; } = [Fp32, Bf16];

    public static string Resolve(string? precision, string device) =>
        precision ?? (device.StartsWith("cuda", StringComparison.Ordinal) ? Bf16 : Fp32);

    /// <summary>What is wrong with a <c>--precision</c> value, or null when it is unset or known.</summary>
    public static string? Problem(string? precision) =>
        precision is null || Names.Contains(precision)
            ? null
            : $"--precision '{precision}': expected one of {string.Join(", ", Names)}";

    /// <summary>The precision a saved run continues in: checkpoints from before this setting were trained in fp32.</summary>
    public static string OfSavedRun(string? saved) => saved ?? Fp32;
}
