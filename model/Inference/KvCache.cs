using TorchSharp;
using static TorchSharp.torch;

namespace AprOrleans.Model.Inference;

/// <summary>
/// Key/value cache for incremental decoding, allocated once up front (TorchSharp has no empty_cache, so
/// growing and freeing would fragment device memory). Storage is per layer [slots, heads, capacity, headDim];
/// a slot holds one sequence and its length lives on the host, so sequences in one batch can sit at different
/// positions, join late (a fresh slot at length 0) or leave (release the slot). <see cref="Fork"/> copies a
/// prefix into another slot, which is how a child thread or a resumed parent re-uses already computed keys.
/// The tensors are detached from any dispose scope, so a cache made inside a scope survives it; dispose the
/// cache itself when done.
/// </summary>
public sealed class KvCache : IKvCache, IDisposable
{
    private readonly Tensor[] _keys;
    private readonly Tensor[] _values;
    private readonly int[] _lengths;
    private int[] _planSlots = [];
    private readonly List<(KeyGroup Group, Tensor Slots)> _planReads = [];

    public KvCache(ModelConfig config, int slots, int capacity, Device device, ScalarType dtype)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        if (capacity > config.MaxPositionEmbeddings)
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, $"exceeds the model's {config.MaxPositionEmbeddings} positions");
        Config = config;
        Slots = slots;
        Capacity = capacity;
        Device = device;
        DType = dtype;
        _lengths = new int[slots];
        _keys = new Tensor[config.NumLayers];
        _values = new Tensor[config.NumLayers];
        long[] shape = [slots, config.NumKeyValueHeads, capacity, config.HeadDim];
        for (int layer = 0; layer < config.NumLayers; layer++)
        {
            _keys[layer] = zeros(shape, dtype: dtype, device: device).DetachFromDisposeScope();
            _values[layer] = zeros(shape, dtype: dtype, device: device).DetachFromDisposeScope();
        }
    }

    public ModelConfig Config { get; }
    public int Slots { get; }
    public int Capacity { get; }
    public Device Device { get; }
    public ScalarType DType { get; }

    /// <summary>Bytes held by keys and values of all layers.</summary>
    public long Bytes => 2L * Config.NumLayers * Slots * Config.NumKeyValueHeads * Capacity * Config.HeadDim * _keys[0].ElementSize;

    /// <summary>Tokens cached in <paramref name="slot"/> (= the position of its next token).</summary>
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
        if (source == target) { _lengths[target] = length; return; }
        using (NewDisposeScope())
        using (no_grad())
        {
            for (int layer = 0; layer < Config.NumLayers; layer++)
            {
                _keys[layer][target].narrow(1, 0, length).copy_(_keys[layer][source].narrow(1, 0, length));
                _values[layer][target].narrow(1, 0, length).copy_(_values[layer][source].narrow(1, 0, length));
            }
        }
        _lengths[target] = length;
    }

    /// <summary>
    /// Plans one forward step: row b appends <paramref name="newTokens"/> tokens (T for every row of the [B, T]
    /// input, or fewer for right-padded rows via <paramref name="realTokens"/>) to slot <paramref name="slots"/>[b].
    /// Returns the per-row start positions; lengths advance only in <see cref="Commit"/>.
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
            if (starts[b] + newTokens > Capacity)
                throw new InvalidOperationException($"slot {slots[b]}: {starts[b]} + {newTokens} tokens exceed the cache capacity {Capacity}");
        }
        _planSlots = [.. slots];
        return starts;
    }

    public void PlanReads(IReadOnlyList<KeyGroup> groups)
    {
        DisposePlan();
        foreach (var group in groups)
        {
            var slots = _planSlots.Skip(group.FirstRow).Take(group.Rows).Select(s => (long)s).ToArray();
            _planReads.Add((group, tensor(slots, device: Device).DetachFromDisposeScope()));
        }
    }

    public bool AttendsDecodeInPlace => false;

    public Tensor AttendDecode(int layer, Tensor queries) =>
        throw new NotSupportedException("the slab cache attends through Read");

    public void Commit(IReadOnlyList<int> slots, IReadOnlyList<int> added)
    {
        for (int b = 0; b < slots.Count; b++) _lengths[slots[b]] += added[b];
    }

    /// <summary>Stores new keys/values [B, H, T, D] at (WriteSlots, WritePositions).</summary>
    public void Write(int layer, Tensor keys, Tensor values, Tensor writeSlots, Tensor writePositions)
    {
        using var scope = NewDisposeScope();
        var at = new[] { TensorIndex.Tensor(writeSlots), TensorIndex.Colon, TensorIndex.Tensor(writePositions) };
        // Advanced indices separated by a slice put their dims first: the value is [B, T, H, D].
        _keys[layer].index_put_(keys.transpose(1, 2).to(DType), at);
        _values[layer].index_put_(values.transpose(1, 2).to(DType), at);
    }

    /// <summary>Cached keys/values of a planned group's slots over positions [0, KeyLength): [Rows, H, KeyLength, D].</summary>
    public (Tensor Keys, Tensor Values) Read(int layer, KeyGroup group)
    {
        var slots = _planReads.Find(read => read.Group == group).Slots
            ?? throw new InvalidOperationException("Read of a group outside the planned forward");
        using var scope = NewDisposeScope();
        var k = _keys[layer].narrow(2, 0, group.KeyLength).index_select(0, slots);
        var v = _values[layer].narrow(2, 0, group.KeyLength).index_select(0, slots);
        return (k.MoveToOuterDisposeScope(), v.MoveToOuterDisposeScope());
    }

    private void DisposePlan()
    {
        foreach (var (_, slots) in _planReads) slots.Dispose();
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
        DisposePlan();
    }
}
