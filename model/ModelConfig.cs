namespace AprOrleans.Model;

/// <summary>
/// Shape of the Llama-style decoder (DESIGN §4). Multi-head attention: key/value heads equal query heads.
/// The field names follow Hugging Face's LlamaConfig so that <see cref="Checkpoints.HfLlamaConfig"/> maps one to one.
/// </summary>
public sealed record ModelConfig(
    string Preset,
    int VocabSize,
    int HiddenSize,
    int NumLayers,
    int NumHeads,
    int IntermediateSize,
    int MaxPositionEmbeddings,
    double RmsNormEps = 1e-6,
    double RopeTheta = 10_000.0)
{
    public int HeadDim => HiddenSize / NumHeads;
    public int NumKeyValueHeads => NumHeads;

    /// <summary>Names accepted by <see cref="FromPreset"/>.</summary>
    public static IReadOnlyList<string> PresetNames { get; } = ["tiny", "small", "base", "paper"];

    /// <summary>
    /// The presets. tiny ≈ 1.0M and small ≈ 4.9M parameters (CPU work), base ≈ 25.8M, paper = the APR paper's
    /// 227.7M non-embedding parameters at 4096 tokens of context.
    /// </summary>
    public static ModelConfig FromPreset(string preset, int vocabSize) => preset switch
    {
        "tiny" => new(preset, vocabSize, HiddenSize: 128, NumLayers: 5, NumHeads: 4, IntermediateSize: 352, MaxPositionEmbeddings: 1024),
        "small" => new(preset, vocabSize, HiddenSize: 256, NumLayers: 6, NumHeads: 4, IntermediateSize: 704, MaxPositionEmbeddings: 2048),
        "base" => new(preset, vocabSize, HiddenSize: 512, NumLayers: 8, NumHeads: 8, IntermediateSize: 1408, MaxPositionEmbeddings: 4096),
        "paper" => new(preset, vocabSize, HiddenSize: 1024, NumLayers: 18, NumHeads: 16, IntermediateSize: 2752, MaxPositionEmbeddings: 4096),
        _ => throw new ArgumentException($"unknown preset '{preset}' (known: {string.Join(", ", PresetNames)})", nameof(preset)),
    };

    /// <summary>
    /// Non-embedding parameters by arithmetic: per layer 4·d² attention (q, k, v, o) + 3·d·ffn SwiGLU MLP
    /// (gate, up, down) + 2·d norm weights, plus the final norm. Embedding and LM head are excluded.
    /// </summary>
    public long NonEmbeddingParameterCount
    {
        get
        {
            long d = HiddenSize, ffn = IntermediateSize;
            long perLayer = 4 * d * d + 3 * d * ffn + 2 * d;
            return NumLayers * perLayer + d;
        }
    }

    /// <summary>All parameters: non-embedding plus the (untied) embedding and LM head.</summary>
    public long ParameterCount => NonEmbeddingParameterCount + 2L * VocabSize * HiddenSize;

    /// <summary>Throws naming the first field that cannot describe a working network.</summary>
    public void Validate()
    {
        static void Require(bool ok, string field, object value, string why)
        {
            if (!ok) throw new ArgumentException($"model config field '{field}' = {value}: {why}");
        }
        Require(VocabSize > 0, "vocab_size", VocabSize, "must be positive");
        Require(HiddenSize > 0, "hidden_size", HiddenSize, "must be positive");
        Require(NumLayers > 0, "num_hidden_layers", NumLayers, "must be positive");
        Require(NumHeads > 0 && HiddenSize % NumHeads == 0, "num_attention_heads", NumHeads, "must divide hidden_size");
        Require(HeadDim % 2 == 0, "num_attention_heads", NumHeads, "head dimension must be even for RoPE");
        Require(IntermediateSize > 0, "intermediate_size", IntermediateSize, "must be positive");
        Require(MaxPositionEmbeddings > 0, "max_position_embeddings", MaxPositionEmbeddings, "must be positive");
        Require(RmsNormEps > 0, "rms_norm_eps", RmsNormEps, "must be positive");
        Require(RopeTheta > 0, "rope_theta", RopeTheta, "must be positive");
    }
}
