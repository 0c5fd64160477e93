namespace AprOrleans.Reasoning.Runtime;

/// <summary>
/// A decoder whose weights can be replaced while it serves (the real engine; scripted test decoders need not be).
/// The swap happens between decode steps; tokens carry the version that produced them.
/// </summary>
public interface IWeightSwappable
{
    /// <summary>The version producing tokens now (0 = the checkpoint the decoder was built from).</summary>
    long WeightVersion { get; }

    /// <summary>Loads the safetensors file at <paramref name="path"/> as <paramref name="version"/>; completes once it serves.</summary>
    Task SwapWeightsAsync(long version, string path);
}
