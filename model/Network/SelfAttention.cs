using AprOrleans.Model.Inference;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AprOrleans.Model.Network;

/// <summary>
/// Multi-head causal self-attention with RoPE, through scaled_dot_product_attention so libtorch picks its fused
/// kernels, except a decode step over a cache that attends in place (<see cref="IKvCache.AttendDecode"/>).
/// Without a cache, or when every row of a cached batch starts at position 0, the causal flag
/// (TorchSharp spells it <c>is_casual</c>) is used, which keeps the flash kernel eligible; an explicit mask is
/// built only when rows sit at different positions.
/// </summary>
public sealed class SelfAttention : nn.Module<Tensor, AttentionContext, Tensor>
{
    private readonly Linear q_proj;
    private readonly Linear k_proj;
    private readonly Linear v_proj;
    private readonly Linear o_proj;
    private readonly int _layer;
    private readonly long _heads;
    private readonly long _headDim;
    private readonly long _kvHeads;
    private FusedProjections? _qkv; // set by FuseProjections; used only where no gradient is recorded

    public SelfAttention(ModelConfig config, int layer, Device? device) : base(nameof(SelfAttention))
    {
        long d = config.HiddenSize;
        q_proj = nn.Linear(d, config.NumHeads * (long)config.HeadDim, hasBias: false, device: device);
        k_proj = nn.Linear(d, config.NumKeyValueHeads * (long)config.HeadDim, hasBias: false, device: device);
        v_proj = nn.Linear(d, config.NumKeyValueHeads * (long)config.HeadDim, hasBias: false, device: device);
        o_proj = nn.Linear(config.NumHeads * (long)config.HeadDim, d, hasBias: false, device: device);
        _layer = layer;
        _heads = config.NumHeads;
        _headDim = config.HeadDim;
        _kvHeads = config.NumKeyValueHeads;
        RegisterComponents();
    }

    /// <summary>
    /// Makes q/k/v one matrix product for inference (<see cref="FusedProjections"/>): one kernel instead of three. A forward
    /// that records gradients still runs the three projections, whose weights are the Parameters the optimizer knows.
    /// </summary>
    public void FuseProjections() => _qkv ??= FusedProjections.Fuse(q_proj, k_proj, v_proj);

    public override Tensor forward(Tensor x, AttentionContext context)
    {
        using var scope = NewDisposeScope();
        long batch = x.shape[0], length = x.shape[1];
        var (q, k, v) = Project(x);
        q = q.view(batch, length, _heads, _headDim).transpose(1, 2);
        k = k.view(batch, length, _kvHeads, _headDim).transpose(1, 2);
        v = v.view(batch, length, _kvHeads, _headDim).transpose(1, 2);
        if (context.Tails is { } tails)
        {
            var withTails = AttendWithTails(q, k, v, context, tails).transpose(1, 2).reshape(batch, length, _heads * _headDim);
            return o_proj.forward(withTails).MoveToOuterDisposeScope();
        }
        q = RotaryEmbedding.Apply(q, context.Cos, context.Sin);
        k = RotaryEmbedding.Apply(k, context.Cos, context.Sin);

        var step = context.Cache;
        // The new keys go into the cache first: every cached read below includes them.
        step?.Cache.Write(_layer, k, v, step.WriteSlots, step.WritePositions);
        Tensor attended;
        if (step is null || step.FreshPrefill)
            attended = nn.functional.scaled_dot_product_attention(q, k, v, is_casual: length > 1);
        else if (step.DecodeInPlace)
            attended = step.Cache.AttendDecode(_layer, q);
        else
            attended = step.Groups.Count == 1
                ? Attend(q, step.Cache, step.Groups[0])
                : cat(step.Groups.Select(g => Attend(q.narrow(0, g.Keys.FirstRow, g.Keys.Rows), step.Cache, g)).ToList(), 0);
        var merged = attended.transpose(1, 2).reshape(batch, length, _heads * _headDim);
        return o_proj.forward(merged).MoveToOuterDisposeScope();
    }

    /// <summary>Queries, keys and values [B, T, heads·dim]: one fused product when fused and no gradient is recorded.</summary>
    private (Tensor Q, Tensor K, Tensor V) Project(Tensor x)
    {
        if (_qkv is not { } fused || is_grad_enabled() || !fused.Intact) return (q_proj.forward(x), k_proj.forward(x), v_proj.forward(x));
        var qkv = fused.Forward(x);
        long queries = _heads * _headDim, keys = _kvHeads * _headDim;
        return (qkv.narrow(-1, 0, queries), qkv.narrow(-1, queries, keys), qkv.narrow(-1, queries + keys, keys));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _qkv?.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>
    /// Main positions attend causally among themselves (the flash-eligible causal flag); tail queries attend over the
    /// main and tail keys through the tails' mask. [B, H, T, D] in, [B, H, T, D] out.
    /// </summary>
    private static Tensor AttendWithTails(Tensor q, Tensor k, Tensor v, AttentionContext context, TailAttention tails)
    {
        long main = tails.MainLength, tail = q.shape[2] - main;
        var qMain = RotaryEmbedding.Apply(q.narrow(2, 0, main), context.Cos, context.Sin);
        var kMain = RotaryEmbedding.Apply(k.narrow(2, 0, main), context.Cos, context.Sin);
        var qTail = RotaryEmbedding.Apply(q.narrow(2, main, tail), tails.Cos, tails.Sin);
        var kTail = RotaryEmbedding.Apply(k.narrow(2, main, tail), tails.Cos, tails.Sin);
        var vMain = v.narrow(2, 0, main);
        var mainOut = nn.functional.scaled_dot_product_attention(qMain, kMain, vMain, is_casual: main > 1);
        var tailOut = nn.functional.scaled_dot_product_attention(qTail, cat([kMain, kTail], 2), v, attn_mask: tails.Mask);
        return cat([mainOut, tailOut], 2);
    }

    /// <summary>One group's queries [Rows, H, T, D] over its cached keys.</summary>
    private Tensor Attend(Tensor queries, IKvCache cache, GroupAttention group)
    {
        var (keys, values) = cache.Read(_layer, group.Keys);
        return nn.functional.scaled_dot_product_attention(queries, keys, values, attn_mask: group.Mask);
    }
}
