using AprOrleans.Model.Inference;

namespace AprOrleans.Model.Engine;

/// <summary>
/// Sizing of one engine. The KV cache is allocated once from these numbers (TorchSharp cannot hand memory back
/// to the device allocator), so they bound what the engine can hold: <see cref="Slots"/> sequences of up to
/// <see cref="ContextTokens"/> tokens each.
/// </summary>
public sealed record EngineOptions
{
    /// <summary>Sequences held at once (running plus parked prefixes); also the largest decode batch.</summary>
    public int Slots { get; init; } = 64;
    /// <summary>Tokens one sequence may hold (prompt + generated); capped by the model's positions.</summary>
    public int ContextTokens { get; init; } = 1024;
    /// <summary>
    /// Tokens the paged KV cache holds across all sequences (its memory is allocated once for this many);
    /// null = half of <see cref="Slots"/> × <see cref="ContextTokens"/>, since most threads are far shorter than the context.
    /// </summary>
    public int? KvTokens { get; init; }
    /// <summary>
    /// Whether a CPU float32 decode step attends over the KV pages where they lie (PagedDecodeAttention) rather than
    /// gathering them for scaled_dot_product_attention; off only to compare the two.
    /// </summary>
    public bool PagedDecodeAttention { get; init; } = true;
    /// <summary>
    /// Threads the in-place decode attention splits a batch's rows over; null = every core. Independent of
    /// libtorch's intra-op threads (<c>--threads</c>), which are often best at 1 for small models.
    /// </summary>
    public int? AttentionThreads { get; init; }
    /// <summary>Pages (the default) or contiguous regions per slot; see <see cref="Engine.KvLayout"/>.</summary>
    public KvLayout KvLayout { get; init; } = KvLayout.Paged;
    /// <summary>
    /// With <see cref="KvLayout.Regions"/>: the slots' tiers of region capacity (their slots add up to <see cref="Slots"/>,
    /// the largest holds a full context); a request takes the smallest free region that holds its prompt plus its whole
    /// token budget, so short tiers serve only requests with small budgets (docs/design.md §5). Null = every slot
    /// holds a full context (a static cache). Capacities above the context are cut to it. Ignored by the paged layout.
    /// </summary>
    public IReadOnlyList<SlotTier>? RegionTiers { get; init; }
    /// <summary>
    /// Whether the engine fuses its model's q/k/v and gate/up projections (<see cref="LlamaForCausalLM.FuseProjections"/>);
    /// null = on CUDA devices only. A GPU saves two kernel launches per layer; on the CPU the fused product's strided
    /// q/k/v and gate/up slow the elementwise ops after it more than that saves (`bench kv-step`, tiny, batch 64, in-place
    /// attention: 8–24 % more per step fused, 4 of 4 alternated runs).
    /// </summary>
    public bool? FuseProjections { get; init; }
    /// <summary>Tokens per KV page.</summary>
    public int PageSize { get; init; } = 16;
    /// <summary>Most prompt tokens prefilled in one forward pass (bounds activation memory).</summary>
    public int MaxPrefillTokens { get; init; } = 8192;
    /// <summary>A finished sequence's cache is kept for reuse only when a new request shares at least this many tokens.</summary>
    public int MinPrefixReuse { get; init; } = 8;
    /// <summary>Seed of the engine's sampler (sampling is reproducible for the same request order).</summary>
    public long Seed { get; init; } = 0;

    public int EffectiveKvTokens => KvTokens ?? Math.Max(ContextTokens, Slots * ContextTokens / 2);

    /// <summary>The regions of <see cref="KvLayout.Regions"/> as tiers, capacities cut to the context.</summary>
    public IReadOnlyList<SlotTier> EffectiveRegionTiers =>
        RegionTiers?.Select(t => t with { Capacity = Math.Min(t.Capacity, ContextTokens) }).ToArray() ?? [new SlotTier(Slots, ContextTokens)];

    /// <summary>Tokens each slot can hold: its region's capacity, or the context for the paged layout.</summary>
    public int[] SlotCapacities() => KvLayout == KvLayout.Regions
        ? [.. EffectiveRegionTiers.SelectMany(t => Enumerable.Repeat(t.Capacity, t.Slots))]
        : [.. Enumerable.Repeat(ContextTokens, Slots)];

    /// <summary>
    /// The KV memory as the scheduler's ledger counts it: the paged pool, or every region's positions as one-token pages
    /// (a region is reserved whole, so the ledger never runs short: slot capacities bound what a region layout admits).
    /// </summary>
    public (int Pages, int PageSize) KvPages() => KvLayout == KvLayout.Regions
        ? (SlotCapacities().Sum(), 1)
        : (Scheduling.PageLedger.PagesOf(EffectiveKvTokens, PageSize), PageSize);

    public string? Validate()
    {
        if (Slots < 1) return "slots must be at least 1";
        if (ContextTokens < 2) return "context tokens must be at least 2";
        if (MaxPrefillTokens < ContextTokens) return "max prefill tokens must hold at least one full context";
        if (MinPrefixReuse < 1) return "min prefix reuse must be at least 1";
        if (PageSize < 1) return "page size must be at least 1";
        if (KvTokens is { } kv && kv < ContextTokens) return "the KV cache must hold at least one full context";
        if (AttentionThreads < 1) return "attention threads must be at least 1";
        if (KvLayout == KvLayout.Regions && RegionTiers is { } tiers)
        {
            if (tiers.Any(t => t.Slots < 1 || t.Capacity < 1)) return "every region tier needs at least one slot of at least one token";
            if (tiers.Sum(t => t.Slots) != Slots) return $"the region tiers hold {tiers.Sum(t => t.Slots)} slots, not {Slots}";
            if (tiers.Max(t => t.Capacity) < ContextTokens) return "the largest region tier must hold a full context";
        }
        return null;
    }
}
