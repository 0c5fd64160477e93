using TorchSharp;
using static TorchSharp.torch;

namespace AprOrleans.Model.Growth;

/// <summary>
/// Function-preserving growth of a trained model into a larger shape (a wider residual stream, more heads, wider
/// heads, a wider MLP, more layers): the grown model computes the same logits, and training it goes on from the
/// small model's accuracy instead of from scratch. The new parts start from the larger model's own fresh
/// initialization, except where they would change what the old model computes:
/// <list type="bullet">
/// <item>the residual stream widens by whole copies: the embedding and every o_proj / down_proj row write each old
/// feature into all its copies and the RMSNorm weights repeat, so every norm sees the same mean of squares (exactly,
/// ε included; zero-filled new features would divide it by the number of copies) and emits copies; the readers (q/k/v, gate/up, the LM head)
/// read the first copy with the old weights and the other copies with zero;</item>
/// <item>new heads, new head features and new MLP units: o_proj / down_proj columns that read them are zero; inside an
/// old head the new features' keys are zero so the scores are unchanged, and the queries are scaled by √(D'/D) to undo
/// the softmax's 1/√D'; RoPE positions follow <see cref="RotaryRowMap"/>;</item>
/// <item>new layers (appended): o_proj and down_proj zero, so the layer adds nothing to the residual stream.</item>
/// </list>
/// Every zero-started weight still receives a gradient (what it multiplies is not zero), so all of it trains, and
/// the copies drift apart from the first step because only the first one is read.
/// </summary>
public static class ModelGrowth
{
    /// <summary>Throws naming the first field in which <paramref name="to"/> is not a growth of <paramref name="from"/>.</summary>
    public static void CheckGrowable(ModelConfig from, ModelConfig to)
    {
        static void Require(bool ok, string field, object small, object large, string why)
        {
            if (!ok) throw new ArgumentException($"cannot grow '{field}' from {small} to {large}: {why}");
        }
        Require(to.VocabSize == from.VocabSize, "vocab_size", from.VocabSize, to.VocabSize, "the vocabulary must stay the same");
        Require(to.HiddenSize % from.HiddenSize == 0, "hidden_size", from.HiddenSize, to.HiddenSize, "the residual stream grows by whole copies (a multiple)");
        Require(to.NumLayers >= from.NumLayers, "num_hidden_layers", from.NumLayers, to.NumLayers, "it may only grow");
        Require(to.NumHeads >= from.NumHeads, "num_attention_heads", from.NumHeads, to.NumHeads, "it may only grow");
        Require(to.HeadDim % from.HeadDim == 0, "head_dim", from.HeadDim, to.HeadDim, "the new head size must be a whole multiple of the old one (RoPE)");
        Require(to.IntermediateSize >= from.IntermediateSize, "intermediate_size", from.IntermediateSize, to.IntermediateSize, "it may only grow");
        Require(to.RopeTheta == from.RopeTheta, "rope_theta", from.RopeTheta, to.RopeTheta, "RoPE frequencies must stay the same");
        Require(to.RmsNormEps == from.RmsNormEps, "rms_norm_eps", from.RmsNormEps, to.RmsNormEps, "it must stay the same");
    }

    /// <summary>
    /// A new fp32 CPU model of shape <paramref name="target"/> computing what <paramref name="source"/> computes;
    /// its new parts are drawn with <paramref name="seed"/>. The source is only read.
    /// </summary>
    public static LlamaForCausalLM Grow(LlamaForCausalLM source, ModelConfig target, long seed)
    {
        CheckGrowable(source.Config, target);
        var grown = LlamaForCausalLM.Create(target, seed);
        try
        {
            var old = source.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter, StringComparer.Ordinal);
            using var shape = new GrowthShape(source.Config, target);
            using var noGrad = no_grad();
            foreach (var (name, parameter) in grown.named_parameters())
            {
                using var scope = NewDisposeScope();
                var oldWeight = old.TryGetValue(name, out var weight) ? weight.to(ScalarType.Float32, CPU) : null;
                Fill(name, parameter, oldWeight, shape);
            }
            return grown;
        }
        catch
        {
            grown.Dispose();
            throw;
        }
    }

    /// <summary>The largest absolute difference between the two models' logits on <paramref name="tokens"/> [B, T].</summary>
    public static double MaxLogitDifference(LlamaForCausalLM a, LlamaForCausalLM b, Tensor tokens)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return (a.forward(tokens) - b.forward(tokens)).abs().max().item<float>();
    }

    private static void Fill(string name, Tensor grown, Tensor? old, GrowthShape shape)
    {
        if (old is null)
        {
            // A parameter of an appended layer: only its writes into the residual stream start at zero.
            if (name.EndsWith("o_proj.weight", StringComparison.Ordinal) || name.EndsWith("down_proj.weight", StringComparison.Ordinal))
                grown.zero_();
            return;
        }
        switch (name.Split('.')[^2])
        {
            case "embed_tokens":
                grown.copy_(old.repeat(1, shape.Copies));
                break;
            case "input_layernorm":
            case "post_attention_layernorm":
            case "norm":
                grown.copy_(old.repeat(shape.Copies));
                break;
            case "lm_head":
            case "gate_proj":
            case "up_proj":
                grown.narrow(0, 0, old.shape[0]).copy_(shape.ReadFirstCopy(old));
                break;
            case "down_proj":
                grown.zero_();
                grown.narrow(1, 0, old.shape[1]).copy_(old.repeat(shape.Copies, 1));
                break;
            case "q_proj":
                grown.index_copy_(0, shape.HeadRows, shape.ReadFirstCopy(old * shape.QueryScale));
                break;
            case "k_proj":
                if (shape.NewFeatureRows is { } newFeatures) grown.index_fill_(0, newFeatures, 0.0);
                grown.index_copy_(0, shape.HeadRows, shape.ReadFirstCopy(old));
                break;
            case "v_proj":
                grown.index_copy_(0, shape.HeadRows, shape.ReadFirstCopy(old));
                break;
            case "o_proj":
                grown.zero_();
                grown.index_copy_(1, shape.HeadRows, old.repeat(shape.Copies, 1));
                break;
            default:
                throw new InvalidOperationException($"model growth does not know how to grow parameter '{name}'");
        }
    }

    /// <summary>The index maps and scales shared by every layer.</summary>
    private sealed class GrowthShape : IDisposable
    {
        public GrowthShape(ModelConfig from, ModelConfig to)
        {
            OldHidden = from.HiddenSize;
            NewHidden = to.HiddenSize;
            Copies = to.HiddenSize / from.HiddenSize;
            QueryScale = Math.Sqrt((double)to.HeadDim / from.HeadDim);
            var rows = RotaryRowMap.Build(from.NumHeads, from.HeadDim, to.HeadDim);
            HeadRows = tensor(rows).DetachFromDisposeScope();
            var kept = rows.ToHashSet();
            var newFeatures = Enumerable.Range(0, from.NumHeads * to.HeadDim).Select(i => (long)i).Where(i => !kept.Contains(i)).ToArray();
            NewFeatureRows = newFeatures.Length == 0 ? null : tensor(newFeatures).DetachFromDisposeScope();
        }

        public long OldHidden { get; }
        public long NewHidden { get; }
        /// <summary>How many copies of the old residual stream the new one holds.</summary>
        public long Copies { get; }
        public double QueryScale { get; }
        /// <summary>New q/k/v row (o_proj column) of each old one.</summary>
        public Tensor HeadRows { get; }
        /// <summary>Rows of old heads that are new head features (their keys start at zero); null when heads keep their size.</summary>
        public Tensor? NewFeatureRows { get; }

        /// <summary>A reader's rows [R, d] widened to [R, d']: the first copy of the stream read as before, the others not at all.</summary>
        public Tensor ReadFirstCopy(Tensor rows) =>
            Copies == 1 ? rows : cat([rows, zeros(rows.shape[0], NewHidden - OldHidden, dtype: rows.dtype)], 1);

        public void Dispose()
        {
            HeadRows.Dispose();
            NewFeatureRows?.Dispose();
        }
    }
}
