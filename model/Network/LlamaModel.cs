using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AprOrleans.Model.Network;

/// <summary>The decoder trunk (transformers' <c>LlamaModel</c>): embedding, layers, final norm.</summary>
public sealed class LlamaModel : nn.Module<Tensor, AttentionContext, Tensor>
{
    private readonly Embedding embed_tokens;
    private readonly ModuleList<DecoderLayer> layers;
    private readonly RmsNorm norm;
    private readonly RotaryEmbedding rotary_emb;

    public LlamaModel(ModelConfig config, Device? device) : base(nameof(LlamaModel))
    {
        embed_tokens = nn.Embedding(config.VocabSize, config.HiddenSize, device: device);
        layers = new ModuleList<DecoderLayer>([.. Enumerable.Range(0, config.NumLayers).Select(i => new DecoderLayer(config, i, device))]);
        norm = new RmsNorm(config.HiddenSize, config.RmsNormEps, device);
        rotary_emb = new RotaryEmbedding(config.HeadDim, config.MaxPositionEmbeddings, config.RopeTheta, device);
        RegisterComponents();
    }

    public RotaryEmbedding Rotary => rotary_emb;

    /// <summary>Fuses every layer's q/k/v and gate/up for inference (see <see cref="FusedProjections"/>).</summary>
    public void FuseProjections()
    {
        foreach (var layer in layers) layer.FuseProjections();
    }

    public override Tensor forward(Tensor tokens, AttentionContext context)
    {
        using var scope = NewDisposeScope();
        var h = embed_tokens.forward(tokens);
        foreach (var layer in layers) h = layer.forward(h, context);
        return norm.forward(h).MoveToOuterDisposeScope();
    }
}
