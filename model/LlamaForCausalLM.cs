using AprOrleans.Model.Inference;
using AprOrleans.Model.Network;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AprOrleans.Model;

/// <summary>
/// The Llama-2-style causal language model: <c>model</c> (the trunk) + an untied <c>lm_head</c>. The module tree
/// mirrors transformers' LlamaForCausalLM, so parameter names are exactly the Hugging Face tensor names.
/// Two entry points: <see cref="forward"/> for a whole causal batch (training, scoring) and
/// <see cref="Forward(Tensor, IKvCache, IReadOnlyList{int}, IReadOnlyList{int}?, bool)"/> for incremental decoding.
/// </summary>
public sealed class LlamaForCausalLM : nn.Module<Tensor, Tensor>
{
    private readonly LlamaModel model;
    private readonly Linear lm_head;

    /// <summary>Builds the modules on <paramref name="device"/> with PyTorch's default init; prefer <see cref="Create"/>.</summary>
    public LlamaForCausalLM(ModelConfig config, Device? device = null) : base(nameof(LlamaForCausalLM))
    {
        config.Validate();
        Config = config;
        model = new LlamaModel(config, device);
        lm_head = nn.Linear(config.HiddenSize, config.VocabSize, hasBias: false, device: device);
        RegisterComponents();
        DetachFromDisposeScopes();
    }

    /// <summary>
    /// A model is long-lived: if it is built (or moved with <c>.to()</c>, which makes new tensors) inside a dispose
    /// scope, its weights must not die with the scope. Called by the constructor, <see cref="Create"/> and loading.
    /// </summary>
    public void DetachFromDisposeScopes()
    {
        foreach (var p in parameters()) p.DetachFromDisposeScope();
        foreach (var b in buffers()) b.DetachFromDisposeScope();
    }

    public ModelConfig Config { get; }

    /// <summary>
    /// A freshly initialized model: built on the CPU, weights drawn from N(0, 0.02) (norms at 1, like transformers)
    /// with a generator seeded by <paramref name="seed"/>, then moved to <paramref name="device"/> and
    /// <paramref name="dtype"/>. Build it outside any dispose scope (a scope would dispose its parameters), and make
    /// optimizers only after the move: <c>.to()</c> replaces the Parameter objects.
    /// </summary>
    public static LlamaForCausalLM Create(ModelConfig config, long seed, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        var net = new LlamaForCausalLM(config, CPU);
        net.InitializeWeights(seed);
        if (device is not null && device.type != DeviceType.CPU || dtype != ScalarType.Float32)
        {
            net.to(device ?? CPU, dtype);
            net.DetachFromDisposeScopes();
        }
        return net;
    }

    /// <summary>The same network with no storage (meta device): shapes and parameter counts only.</summary>
    public static LlamaForCausalLM OnMeta(ModelConfig config) => new(config, META);

    private void InitializeWeights(long seed)
    {
        using var generator = new Generator((ulong)seed, CPU);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in named_parameters())
        {
            if (name.EndsWith("norm.weight", StringComparison.Ordinal)) parameter.fill_(1.0);
            // Tensor.normal_ honours the generator; nn.init.normal_ in TorchSharp 0.107 ignores it (non-reproducible).
            else parameter.normal_(0.0, 0.02, generator);
        }
    }

    /// <summary>
    /// Makes every layer's q/k/v and gate/up projections one matrix product each when no gradient is recorded (the decode
    /// engine's forwards): fewer, larger kernels per step. Parameter names, shapes and values do not change, and loading
    /// weights into the Parameters (a checkpoint, a weight swap) updates the fused matrices too, since they are the same
    /// memory. Training forwards run the separate projections. Call it on a model no optimizer holds yet: it re-points the
    /// Parameters' storage, as an optimizer's flat buffer does (whichever comes last wins; the other falls back).
    /// </summary>
    public void FuseProjections() => model.FuseProjections();

    public Device Device => lm_head.weight!.device;
    public ScalarType DType => lm_head.weight!.dtype;

    /// <summary>Parameters outside the embedding and the LM head, counted from the actual tensors.</summary>
    public long CountNonEmbeddingParameters() =>
        named_parameters().Where(p => p.name != "model.embed_tokens.weight" && p.name != "lm_head.weight").Sum(p => p.parameter.numel());

    /// <summary>Causal forward over whole sequences: tokens [B, T] → logits [B, T, V]. Right padding is harmless
    /// for the real tokens (a causal query never sees later positions).</summary>
    public override Tensor forward(Tensor tokens)
    {
        using var scope = NewDisposeScope();
        long length = tokens.shape[1];
        if (length > Config.MaxPositionEmbeddings)
            throw new ArgumentException($"{length} tokens exceed the model's {Config.MaxPositionEmbeddings} positions", nameof(tokens));
        var (cos, sin) = model.Rotary.ForPrefix(length);
        var hidden = model.forward(tokens, new AttentionContext { Cos = cos, Sin = sin });
        return lm_head.forward(hidden).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Causal forward over rows that carry tails (<see cref="TailAttention"/>): tokens [B, M + T] are M main positions
    /// then T tail positions at <paramref name="tailPositions"/> [B, T], which attend as <paramref name="tailMask"/>
    /// [B, 1, T, M + T] allows. Logits [B, M + T, V]; padding tail queries must still be allowed one key.
    /// </summary>
    public Tensor ForwardWithTails(Tensor tokens, long mainLength, Tensor tailPositions, Tensor tailMask)
    {
        using var scope = NewDisposeScope();
        if (mainLength > Config.MaxPositionEmbeddings)
            throw new ArgumentException($"{mainLength} tokens exceed the model's {Config.MaxPositionEmbeddings} positions", nameof(mainLength));
        if (tokens.shape[1] != mainLength + tailPositions.shape[1])
            throw new ArgumentException($"{tokens.shape[1]} tokens per row, but {mainLength} main and {tailPositions.shape[1]} tail positions", nameof(tokens));
        var (cos, sin) = model.Rotary.ForPrefix(mainLength);
        var (tailCos, tailSin) = model.Rotary.ForPositions(tailPositions);
        var tails = new TailAttention { MainLength = mainLength, Cos = tailCos, Sin = tailSin, Mask = tailMask };
        var hidden = model.forward(tokens, new AttentionContext { Cos = cos, Sin = sin, Tails = tails });
        return lm_head.forward(hidden).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Incremental forward: row b of <paramref name="tokens"/> [B, T] continues the sequence in cache slot
    /// <paramref name="slots"/>[b] from that slot's current length, so rows may sit at different positions (a
    /// sequence that joined late, a fork). Right-padded rows pass their real token counts in
    /// <paramref name="realTokens"/>; only those advance the slot (the padding's keys are overwritten later and
    /// never seen by a real query). Returns logits [B, T, V] — or, with <paramref name="lastTokenOnly"/>, [B, V] at
    /// each row's last real token (what a decode step samples from; skips the LM head for the rest of a prefill) —
    /// and advances the slots.
    /// </summary>
    public Tensor Forward(Tensor tokens, IKvCache cache, IReadOnlyList<int> slots, IReadOnlyList<int>? realTokens = null, bool lastTokenOnly = false)
    {
        int batch = (int)tokens.shape[0], length = (int)tokens.shape[1];
        if (slots.Count != batch) throw new ArgumentException($"{slots.Count} slots for {batch} rows", nameof(slots));
        if (realTokens is not null && (realTokens.Count != batch || realTokens.Any(n => n < (lastTokenOnly ? 1 : 0) || n > length)))
            throw new ArgumentException($"realTokens must give {(lastTokenOnly ? 1 : 0)}..{length} tokens for each of the {batch} rows", nameof(realTokens));
        if (cache.Config.NumLayers != Config.NumLayers || cache.Config.HiddenSize != Config.HiddenSize)
            throw new ArgumentException("the cache was sized for another model shape", nameof(cache));
        // Longest first, so that rows of similar length are neighbours and attend in groups of their own; or by slot, for
        // a cache whose consecutive slots read as one view.
        var order = cache.OrdersRowsBySlot ? RowOrder.BySlot(slots) : RowOrder.LongestFirst(slots.Select(cache.Length).ToArray());
        var orderedSlots = order.Apply(slots);
        var orderedReal = order.Apply(realTokens ?? Enumerable.Repeat(length, batch).ToArray());
        int[] starts = cache.Starts(orderedSlots, length);
        // A fresh prefill attends over its own new keys only (the causal flag): nothing to read from the cache.
        bool fresh = starts.All(s => s == 0);
        // A decode step the cache attends itself needs no key groups (nor their masks).
        bool inPlace = !fresh && length == 1 && cache.AttendsDecodeInPlace;
        IReadOnlyList<KeyGroup> groups = fresh || inPlace ? [] : cache.GroupRows(orderedSlots, starts, length);
        cache.PlanReads(groups);

        Tensor logits;
        using (var scope = NewDisposeScope())
        {
            var device = tokens.device;
            var input = order.Arrange(tokens);
            var startTensor = tensor(starts.Select(s => (long)s).ToArray(), device: device).unsqueeze(1);
            var positions = startTensor.Plus(ScalarSafeOps.Arange(length, device).unsqueeze(0));
            var (cos, sin) = fresh ? model.Rotary.ForPrefix(length) : model.Rotary.ForPositions(positions);
            var step = new CacheStep
            {
                Cache = cache,
                WriteSlots = tensor(orderedSlots.Select(s => (long)s).ToArray(), device: device).unsqueeze(1).expand(batch, length),
                WritePositions = positions,
                Groups = [.. groups.Select(g => new GroupAttention(g, GroupMask(g, starts, positions, length)))],
                FreshPrefill = fresh,
                DecodeInPlace = inPlace,
            };
            var hidden = model.forward(input, new AttentionContext { Cos = cos, Sin = sin, Cache = step });
            Tensor ordered;
            if (lastTokenOnly)
            {
                var last = realTokens is null
                    ? hidden.select(1, length - 1)
                    : hidden.reshape(batch * (long)length, -1).index_select(0, tensor(
                        Enumerable.Range(0, batch).Select(b => (long)b * length + orderedReal[b] - 1).ToArray(), device: device));
                ordered = lm_head.forward(last);
            }
            else
            {
                ordered = lm_head.forward(hidden);
            }
            logits = order.Restore(ordered).MoveToOuterDisposeScope();
        }
        cache.Commit(orderedSlots, orderedReal);
        return logits;
    }

    /// <summary>
    /// The group's mask [Rows, 1, T, KeyLength] (true = may attend): each query sees the cached keys up to its own
    /// position. None is needed when the group is one decode position shared by all its rows.
    /// </summary>
    private static Tensor? GroupMask(KeyGroup group, int[] starts, Tensor positions, int length)
    {
        var rows = starts.Skip(group.FirstRow).Take(group.Rows);
        if (length == 1 && rows.All(s => s == starts[group.FirstRow])) return null;
        var keyPositions = ScalarSafeOps.Arange(group.KeyLength, positions.device).view(1, 1, group.KeyLength);
        return (keyPositions <= positions.narrow(0, group.FirstRow, group.Rows).unsqueeze(2)).unsqueeze(1);
    }
}
