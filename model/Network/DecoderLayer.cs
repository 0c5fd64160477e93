using TorchSharp;
using static TorchSharp.torch;

namespace AprOrleans.Model.Network;

/// <summary>Pre-norm Llama block: x + attn(norm(x)), then h + mlp(norm(h)).</summary>
public sealed class DecoderLayer : nn.Module<Tensor, AttentionContext, Tensor>
{
    private readonly RmsNorm input_layernorm;
    private readonly SelfAttention self_attn;
    private readonly RmsNorm post_attention_layernorm;
    private readonly SwiGluMlp mlp;

    public DecoderLayer(ModelConfig config, int layer, Device? device) : base(nameof(DecoderLayer))
    {
        input_layernorm = new RmsNorm(config.HiddenSize, config.RmsNormEps, device);
        self_attn = new SelfAttention(config, layer, device);
        post_attention_layernorm = new RmsNorm(config.HiddenSize, config.RmsNormEps, device);
        mlp = new SwiGluMlp(config.HiddenSize, config.IntermediateSize, device);
        RegisterComponents();
    }

    /// <summary>Fuses q/k/v and gate/up for inference (see <see cref="FusedProjections"/>).</summary>
    public void FuseProjections()
    {
        self_attn.FuseProjections();
        mlp.FuseProjections();
    }

    public override Tensor forward(Tensor x, AttentionContext context)
    {
        using var scope = NewDisposeScope();
        var h = x.Plus(self_attn.forward(input_layernorm.forward(x), context));
        return h.Plus(mlp.forward(post_attention_layernorm.forward(h))).MoveToOuterDisposeScope();
    }
}
