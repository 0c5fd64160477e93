using TorchSharp;
using static TorchSharp.torch;

namespace AprOrleans.Model.Inference;

/// <summary>
/// Key/value cache in which every slot owns one contiguous region of positions, allocated once up front (TorchSharp has
/// no empty_cache, so growing and freeing would fragment device memory). Slots come in tiers of equal capacity
/// (<see cref="SlotTier"/>; one tier = the static cache of gpt-fast), laid out tier after tier in one pool per layer,
/// position-major [positions, heads, headDim]. Within a tier the regions are equally spaced, so the keys of a run of
/// consecutive slots are one strided view [rows, heads, keyLength, dim]: attention reads each cached key once, where it
/// lies, with no gather into a padded copy (the paged cache's cost on a GPU). The forward therefore orders its rows by
/// slot and groups runs of consecutive slots (<see cref="SlotRunGroups"/>). A slot's length lives on the host, so rows
/// sit at different positions, join late (a fresh slot at length 0) or leave (release the slot). <see cref="Fork"/>
/// copies a prefix into another slot. The tensors are detached from any dispose scope; dispose the cache when done.
/// </summary>
public sealed class KvCache : IEngineKvCache
{
    private readonly Tensor[] _keys;
    private readonly Tensor[] _values;
    private readonly int[] _lengths;
    private readonly int[] _capacities;
    private readonly long[] _regionStarts; // pool row of each slot's position 0
    private readonly int[] _tiers;
    private readonly int[] _tierFirstSlots;
    private readonly int[] _tierSlots;
    private int[] _planSlots = [];
    private Tensor? _writeRows;
    private readonly List<(KeyGroup Group, Tensor? Slots)> _planReads = [];

    /// <summary>One tier: <paramref name="slots"/> regions of <paramref name="capacity"/> positions.</summary>
    public KvCache(ModelConfig config, int slots, int capacity, Device device, ScalarType dtype)
        : this(config, [new SlotTier(slots, capacity)], device, dtype)
    {
    }

    /// <summary>Slots numbered tier by tier, in the order given.</summary>
    public KvCache(ModelConfig config, IReadOnlyList<SlotTier> tiers, Device device, ScalarType dtype)
    {
        if (tiers.Count == 0) throw new ArgumentException("at least one tier", nameof(tiers));
        foreach (var tier in tiers)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(tier.Slots, 1, nameof(tiers));
            ArgumentOutOfRangeException.ThrowIfLessThan(tier.Capacity, 1, nameof(tiers));
            if (tier.Capacity > config.MaxPositionEmbeddings)
                throw new ArgumentOutOfRangeException(nameof(tiers), tier.Capacity, $"exceeds the model's {config.MaxPositionEmbeddings} positions");
        }
        Config = config;
        Device = device;
        DType = dtype;
        Slots = tiers.Sum(t => t.Slots);
        _lengths = new int[Slots];
        _capacities = new int[Slots];
        _regionStarts = new long[Slots];
        _tiers = new int[Slots];
        _tierFirstSlots = new int[tiers.Count];
        _tierSlots = [.. tiers.Select(t => t.Slots)];
        long positions = 0;
        int slot = 0;
        for (int t = 0; t < tiers.Count; t++)
        {
            _tierFirstSlots[t] = slot;
            for (int i = 0; i < tiers[t].Slots; i++, slot++)
            {
                _capacities[slot] = tiers[t].Capacity;
                _regionStarts[slot] = positions;
                _tiers[slot] = t;
                positions += tiers[t].Capacity;
            }
        }
        Positions = positions;
        _keys = new Tensor[config.NumLayers];
        _values = new Tensor[config.NumLayers];
        long[] shape = [positions, config.NumKeyValueHeads, config.HeadDim];
        for (int layer = 0; layer < config.NumLayers; layer++)
        {
            _keys[layer] = zeros(shape, dtype: dtype, device: device).DetachFromDisposeScope();
            _values[layer] = zeros(shape, dtype: dtype, device: device).DetachFromDisposeScope();
        }
    }

    public ModelConfig Config { get; }
    public int Slots { get; }
    public Device Device { get; }
    public ScalarType DType { get; }

    /// <summary>Positions of all regions together (the pool's rows).</summary>
    public long Positions { get; }

    /// <summary>Positions <paramref name="slot"/>'s region holds.</summary>
    public int Capacity(int slot) => _capacities[CheckSlot(slot)];

    /// <summary>Bytes held by keys and values of all layers.</summary>
    public long Bytes => 2L * Config.NumLayers * Positions * Config.NumKeyValueHeads * Config.HeadDim * _keys[0].ElementSize;

    /// <summary>The engine's ledger counts a region cache in one-token pages: every position of every region.</summary>
    public int TotalPages => checked((int)Positions);

    /// <summary>Tokens held across all slots (one-token pages).</summary>
    public int UsedPages => _lengths.Sum();

    public int Length(int slot) => _lengths[CheckSlot(slot)];

    /// <summary>Cuts a slot back to its first <paramref name="length"/> tokens (e.g. a parent resuming after a join).</summary>
    public void Truncate(int slot, int length)
    {
        CheckSlot(slot);
        if (length < 0 || length > _lengths[slot])
            throw new ArgumentOutOfRangeException(nameof(length), length, $"slot {slot} holds {_lengths[slot]} tokens");
        _lengths[slot] = length;
    }

    /// <summary>Frees a slot for a new sequence. The stale keys stay in memory but are never attended to.</summary>
    public void Release(int slot) => _lengths[CheckSlot(slot)] = 0;

    /// <summary>Copies the first <paramref name="length"/> cached tokens of <paramref name="source"/> into
    /// <paramref name="target"/> (all layers), which then holds exactly that prefix.</summary>
    public void Fork(int source, int target, int length)
    {
        CheckSlot(source);
        CheckSlot(target);
        if (length < 0 || length > _lengths[source])
            throw new ArgumentOutOfRangeException(nameof(length), length, $"slot {source} holds {_lengths[source]} tokens");
        if (length > _capacities[target])
            throw new ArgumentOutOfRangeException(nameof(length), length, $"slot {target} holds at most {_capacities[target]} tokens");
        if (source == target) { _lengths[target] = length; return; }
        using (NewDisposeScope())
        using (no_grad())
        {
            for (int layer = 0; layer < Config.NumLayers; layer++)
            {
                _keys[layer].narrow(0, _regionStarts[target], length).copy_(_keys[layer].narrow(0, _regionStarts[source], length));
                _values[layer].narrow(0, _regionStarts[target], length).copy_(_values[layer].narrow(0, _regionStarts[source], length));
            }
        }
        _lengths[target] = length;
    }

    /// <summary>
    /// Plans one forward step: row b appends <paramref name="newTokens"/> tokens (T for every row of the [B, T] input,
    /// padding included) to slot <paramref name="slots"/>[b]. Returns the per-row start positions and fixes the pool row
    /// of every written token; lengths advance only in <see cref="Commit"/>.
    /// </summary>
    public int[] Starts(IReadOnlyList<int> slots, int newTokens)
    {
        var starts = new int[slots.Count];
        var seen = new HashSet<int>();
        for (int b = 0; b < slots.Count; b++)
        {
            CheckSlot(slots[b]);
            if (!seen.Add(slots[b])) throw new ArgumentException($"slot {slots[b]} appears twice in one batch", nameof(slots));
            starts[b] = _lengths[slots[b]];
            if (starts[b] + newTokens > _capacities[slots[b]])
                throw new InvalidOperationException($"slot {slots[b]}: {starts[b]} + {newTokens} tokens exceed its capacity {_capacities[slots[b]]}");
        }
        _planSlots = [.. slots];
        var rows = new long[slots.Count * newTokens];
        for (int b = 0; b < slots.Count; b++)
            for (int t = 0; t < newTokens; t++) rows[b * newTokens + t] = _regionStarts[slots[b]] + starts[b] + t;
        _writeRows?.Dispose();
        _writeRows = tensor(rows, [slots.Count, newTokens], device: Device).DetachFromDisposeScope();
        return starts;
    }

    /// <summary>Rows in slot order, so that runs of consecutive slots read as one view.</summary>
    public bool OrdersRowsBySlot => true;

    public IReadOnlyList<KeyGroup> GroupRows(IReadOnlyList<int> orderedSlots, IReadOnlyList<int> starts, int newTokens) =>
        SlotRunGroups.Split(orderedSlots, starts, newTokens, slot => _tiers[slot]);

    /// <summary>
    /// A group of consecutive slots in one tier needs nothing (its read is a view); any other group (rows in another
    /// order) gets the index of its slots within their tier, for a gathered read.
    /// </summary>
    public void PlanReads(IReadOnlyList<KeyGroup> groups)
    {
        DisposePlan();
        foreach (var group in groups)
        {
            var slots = _planSlots.Skip(group.FirstRow).Take(group.Rows).ToArray();
            bool run = slots.Select((s, i) => s == slots[0] + i && _tiers[s] == _tiers[slots[0]]).All(ok => ok);
            if (run)
            {
                _planReads.Add((group, null));
                continue;
            }
            if (slots.Any(s => _tiers[s] != _tiers[slots[0]])) throw new InvalidOperationException("a key group must not mix slot tiers");
            long first = _tierFirstSlots[_tiers[slots[0]]];
            _planReads.Add((group, tensor(slots.Select(s => s - first).ToArray(), device: Device).DetachFromDisposeScope()));
        }
    }

    public bool AttendsDecodeInPlace => false;

    public Tensor AttendDecode(int layer, Tensor queries) =>
        throw new NotSupportedException("the region cache attends through Read");

    public void Commit(IReadOnlyList<int> slots, IReadOnlyList<int> added)
    {
        for (int b = 0; b < slots.Count; b++) _lengths[slots[b]] += added[b];
    }

    /// <summary>Stores new keys/values [B, H, T, D] at the pool rows planned in <see cref="Starts"/>.</summary>
    public void Write(int layer, Tensor keys, Tensor values, Tensor writeSlots, Tensor writePositions)
    {
        if (_writeRows is null || keys.shape[0] != _writeRows.shape[0] || keys.shape[2] != _writeRows.shape[1])
            throw new InvalidOperationException("Write outside a planned forward");
        using var scope = NewDisposeScope();
        var at = new[] { TensorIndex.Tensor(_writeRows) };
        // [B, H, T, D] → [B, T, H, D] to match the [B, T] row index.
        _keys[layer].index_put_(keys.transpose(1, 2).to(DType), at);
        _values[layer].index_put_(values.transpose(1, 2).to(DType), at);
    }

    /// <summary>Cached keys/values of a planned group over positions [0, KeyLength): [Rows, H, KeyLength, D], a view when the group is a slot run.</summary>
    public (Tensor Keys, Tensor Values) Read(int layer, KeyGroup group)
    {
        int index = _planReads.FindIndex(read => read.Group == group);
        if (index < 0) throw new InvalidOperationException("Read of a group outside the planned forward");
        var tierSlots = _planReads[index].Slots;
        int firstSlot = _planSlots[group.FirstRow];
        using var scope = NewDisposeScope();
        var k = RegionsOf(_keys[layer], firstSlot, group, tierSlots);
        var v = RegionsOf(_values[layer], firstSlot, group, tierSlots);
        return (k.MoveToOuterDisposeScope(), v.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The regions of a run of slots starting at <paramref name="firstSlot"/> as [Rows, heads, KeyLength, dim]: a
    /// narrow of the pool viewed as [regions, capacity, heads, dim], strided, no copy. With
    /// <paramref name="tierSlots"/>, the listed slots of the tier instead (gathered, a copy).
    /// </summary>
    private Tensor RegionsOf(Tensor pool, int firstSlot, KeyGroup group, Tensor? tierSlots)
    {
        long capacity = _capacities[firstSlot], heads = Config.NumKeyValueHeads, dim = Config.HeadDim;
        if (tierSlots is null)
            return pool.narrow(0, _regionStarts[firstSlot], group.Rows * capacity).view(group.Rows, capacity, heads, dim)
                .narrow(1, 0, group.KeyLength).transpose(1, 2);
        int tier = _tiers[firstSlot], tierStart = _tierFirstSlots[tier], tierSize = _tierSlots[tier];
        return pool.narrow(0, _regionStarts[tierStart], tierSize * capacity).view(tierSize, capacity, heads, dim)
            .narrow(1, 0, group.KeyLength).index_select(0, tierSlots).transpose(1, 2);
    }

    private void DisposePlan()
    {
        foreach (var (_, slots) in _planReads) slots?.Dispose();
        _planReads.Clear();
    }

    private int CheckSlot(int slot)
    {
        if ((uint)slot >= (uint)Slots) throw new ArgumentOutOfRangeException(nameof(slot), slot, $"the cache has {Slots} slots");
        return slot;
    }

    public void Dispose()
    {
        foreach (var t in _keys) t.Dispose();
        foreach (var t in _values) t.Dispose();
        _writeRows?.Dispose();
        DisposePlan();
    }
}
