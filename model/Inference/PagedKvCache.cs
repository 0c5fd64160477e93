using AprOrleans.Model.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace AprOrleans.Model.Inference;

/// <summary>
/// A paged key/value cache (DESIGN §5): one pool of fixed-size pages per layer, allocated once up front
/// ([pages × pageSize, heads, headDim]); each sequence (slot) owns a list of pages that grows as it does, so memory
/// in use is proportional to the tokens actually held, not to sequences × maximum context. Pages are reference
/// counted: <see cref="Fork"/> shares a prefix's full pages between two sequences and copies only the partially
/// filled last one, so a child or a resumed parent re-uses computed keys without copying them.
/// A forward is planned in <see cref="Starts"/> (pages claimed, write rows) and <see cref="PlanReads"/> (read rows per
/// group), once for all layers; the per-layer <see cref="Write"/>/<see cref="Read"/> of that same forward use the plan.
/// A decode step on the CPU in float32 reads no groups: <see cref="AttendDecode"/> attends over the pages in place.
/// </summary>
public sealed class PagedKvCache : IEngineKvCache
{
    private readonly Tensor[] _keys, _values;
    private readonly List<int>[] _pages;
    private readonly int[] _lengths;
    private readonly int[] _refCounts;
    private readonly Stack<int> _freePages = new();
    private Tensor? _writeRows;
    private int[][] _planPages = [];
    private int[] _planDecodeLengths = []; // of a decode step: each row's positions, the new key included
    private readonly List<(KeyGroup Group, Tensor Pages)> _planReads = [];

    /// <param name="pagedDecodeAttention">
    /// Whether a decode step on the CPU in float32 attends over the pages directly (<see cref="PagedDecodeAttention"/>)
    /// instead of gathering them; off only to compare the two.
    /// </param>
    /// <param name="attentionThreads">
    /// Threads that attention splits a batch's rows over (null = every core). libtorch's own intra-op threads are
    /// set apart (<c>torch.set_num_threads</c>): on a small model its thread team costs more than it gains, while
    /// this kernel's rows are independent and its reads of the pool are bounded by one core's memory bandwidth.
    /// </param>
    public PagedKvCache(ModelConfig config, int slots, int totalTokens, int maxTokensPerSlot, Device device, ScalarType dtype, int pageSize = 16,
        bool pagedDecodeAttention = true, int? attentionThreads = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(totalTokens, pageSize);
        if (attentionThreads < 1) throw new ArgumentOutOfRangeException(nameof(attentionThreads), attentionThreads, "must be at least 1");
        if (maxTokensPerSlot > config.MaxPositionEmbeddings)
            throw new ArgumentOutOfRangeException(nameof(maxTokensPerSlot), maxTokensPerSlot, $"exceeds the model's {config.MaxPositionEmbeddings} positions");
        Config = config;
        Slots = slots;
        PageSize = pageSize;
        MaxTokensPerSlot = maxTokensPerSlot;
        // One extra page stays zero forever: rows read beyond a sequence's pages point at it (and are masked).
        TotalPages = (totalTokens + pageSize - 1) / pageSize;
        _refCounts = new int[TotalPages + 1];
        for (int p = TotalPages; p >= 1; p--) _freePages.Push(p);
        _pages = Enumerable.Range(0, slots).Select(_ => new List<int>()).ToArray();
        _lengths = new int[slots];
        _keys = new Tensor[config.NumLayers];
        _values = new Tensor[config.NumLayers];
        long[] shape = [(TotalPages + 1L) * pageSize, config.NumKeyValueHeads, config.HeadDim];
        for (int layer = 0; layer < config.NumLayers; layer++)
        {
            _keys[layer] = zeros(shape, dtype: dtype, device: device).DetachFromDisposeScope();
            _values[layer] = zeros(shape, dtype: dtype, device: device).DetachFromDisposeScope();
        }
        Device = device;
        AttendsDecodeInPlace = pagedDecodeAttention && device.type == DeviceType.CPU && dtype == ScalarType.Float32;
        AttentionThreads = attentionThreads ?? Environment.ProcessorCount;
    }

    public ModelConfig Config { get; }
    public int Slots { get; }
    public int PageSize { get; }
    public int TotalPages { get; }
    public int MaxTokensPerSlot { get; }
    public Device Device { get; }

    public int FreePages => _freePages.Count;
    public int UsedPages => TotalPages - _freePages.Count;

    public bool AttendsDecodeInPlace { get; }

    /// <summary>Threads a decode step's in-place attention splits its rows over.</summary>
    public int AttentionThreads { get; }

    /// <summary>Bytes of keys and values actually in use (pages held by some sequence).</summary>
    public long BytesInUse => 2L * Config.NumLayers * UsedPages * PageSize * Config.NumKeyValueHeads * Config.HeadDim * _keys[0].ElementSize;

    public int Length(int slot) => _lengths[CheckSlot(slot)];

    /// <summary>Pages a slot needs to grow to <paramref name="tokens"/> tokens that it does not hold yet.</summary>
    public int PagesNeeded(int slot, int tokens) => Math.Max(0, PagesFor(tokens) - _pages[CheckSlot(slot)].Count);

    /// <summary>Cuts a slot back to its first <paramref name="length"/> tokens, returning pages it no longer needs.</summary>
    public void Truncate(int slot, int length)
    {
        CheckSlot(slot);
        if (length < 0 || length > _lengths[slot])
            throw new ArgumentOutOfRangeException(nameof(length), length, $"slot {slot} holds {_lengths[slot]} tokens");
        var pages = _pages[slot];
        int keep = PagesFor(length);
        for (int i = pages.Count - 1; i >= keep; i--) Unref(pages[i]);
        pages.RemoveRange(keep, pages.Count - keep);
        _lengths[slot] = length;
        // A shared last page must not be written by this slot: copy it first (copy on write).
        if (length % PageSize != 0 && pages.Count > 0 && _refCounts[pages[^1]] > 1) pages[^1] = CopyPage(pages[^1]);
    }

    /// <summary>Empties a slot and returns all its pages.</summary>
    public void Release(int slot) => Truncate(slot, 0);

    /// <summary>
    /// Makes <paramref name="target"/> hold the first <paramref name="length"/> tokens of <paramref name="source"/>:
    /// full pages are shared, a partial last page is copied.
    /// </summary>
    public void Fork(int source, int target, int length)
    {
        CheckSlot(source);
        CheckSlot(target);
        if (length < 0 || length > _lengths[source])
            throw new ArgumentOutOfRangeException(nameof(length), length, $"slot {source} holds {_lengths[source]} tokens");
        if (source == target) { Truncate(target, length); return; }
        Release(target);
        var shared = _pages[source].Take(PagesFor(length)).ToList();
        foreach (var page in shared) _refCounts[page]++;
        _pages[target].AddRange(shared);
        _lengths[target] = length;
        if (length % PageSize != 0 && shared.Count > 0) _pages[target][^1] = CopyPage(shared[^1]);
    }

    public int[] Starts(IReadOnlyList<int> slots, int newTokens)
    {
        var starts = new int[slots.Count];
        var seen = new HashSet<int>();
        int needed = 0;
        for (int b = 0; b < slots.Count; b++)
        {
            CheckSlot(slots[b]);
            if (!seen.Add(slots[b])) throw new ArgumentException($"slot {slots[b]} appears twice in one batch", nameof(slots));
            starts[b] = _lengths[slots[b]];
            if (starts[b] + newTokens > MaxTokensPerSlot)
                throw new InvalidOperationException($"slot {slots[b]}: {starts[b]} + {newTokens} tokens exceed {MaxTokensPerSlot} per sequence");
            needed += PagesNeeded(slots[b], starts[b] + newTokens);
        }
        if (needed > _freePages.Count)
            throw new KvCacheFullException($"the forward needs {needed} more pages; {_freePages.Count} of {TotalPages} are free");
        for (int b = 0; b < slots.Count; b++)
        {
            var pages = _pages[slots[b]];
            while (pages.Count < PagesFor(starts[b] + newTokens)) pages.Add(TakePage());
        }
        Plan(slots, starts, newTokens);
        return starts;
    }

    /// <summary>Builds, once per forward, the memory row of every written token.</summary>
    private void Plan(IReadOnlyList<int> slots, int[] starts, int newTokens)
    {
        _writeRows?.Dispose();
        int batch = slots.Count;
        var write = new long[batch * newTokens];
        _planPages = new int[batch][];
        for (int b = 0; b < batch; b++)
        {
            var pages = _pages[slots[b]];
            for (int t = 0; t < newTokens; t++) write[b * newTokens + t] = Row(pages, starts[b] + t);
            _planPages[b] = [.. pages];
        }
        _writeRows = tensor(write, [batch, newTokens], device: Device).DetachFromDisposeScope();
        _planDecodeLengths = newTokens == 1 ? [.. starts.Select(start => start + 1)] : [];
    }

    /// <summary>
    /// The page table [Rows, pages] of each group, built once per forward for all layers. Pages past a row's own point
    /// at page 0, the zero page, and are masked.
    /// </summary>
    public void PlanReads(IReadOnlyList<KeyGroup> groups)
    {
        DisposeReadPlan();
        foreach (var group in groups)
        {
            int pagesPerRow = PagesFor(group.KeyLength);
            var table = new long[group.Rows * pagesPerRow];
            for (int r = 0; r < group.Rows; r++)
            {
                var pages = _planPages[group.FirstRow + r];
                for (int p = 0; p < pagesPerRow && p < pages.Length; p++) table[r * pagesPerRow + p] = pages[p];
            }
            _planReads.Add((group, tensor(table, [table.Length], device: Device).DetachFromDisposeScope()));
        }
    }

    public void Write(int layer, Tensor keys, Tensor values, Tensor writeSlots, Tensor writePositions)
    {
        if (_writeRows is null || keys.shape[0] != _writeRows.shape[0]) throw new InvalidOperationException("Write outside a planned forward");
        using var scope = NewDisposeScope();
        var at = new[] { TensorIndex.Tensor(_writeRows) };
        // [B, H, T, D] → [B, T, H, D] to match the [B, T] row index.
        _keys[layer].index_put_(keys.transpose(1, 2).to(_keys[layer].dtype), at);
        _values[layer].index_put_(values.transpose(1, 2).to(_values[layer].dtype), at);
    }

    public (Tensor Keys, Tensor Values) Read(int layer, KeyGroup group)
    {
        var pages = _planReads.Find(read => read.Group == group).Pages
            ?? throw new InvalidOperationException("Read of a group outside the planned forward");
        using var scope = NewDisposeScope();
        return (ReadPages(_keys[layer], pages, group).MoveToOuterDisposeScope(), ReadPages(_values[layer], pages, group).MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Gathers whole pages (one copy of pageSize·heads·dim values each, not one per position) into
    /// [Rows, heads, KeyLength, dim]; the positions of the last page past KeyLength are cut off as a view.
    /// </summary>
    private Tensor ReadPages(Tensor pool, Tensor pages, KeyGroup group)
    {
        long heads = Config.NumKeyValueHeads, dim = Config.HeadDim;
        long pagesPerRow = pages.shape[0] / group.Rows;
        return pool.view(TotalPages + 1, PageSize * heads * dim).index_select(0, pages)
            .view(group.Rows, pagesPerRow * PageSize, heads, dim).narrow(1, 0, group.KeyLength).transpose(1, 2);
    }

    private void DisposeReadPlan()
    {
        foreach (var (_, pages) in _planReads) pages.Dispose();
        _planReads.Clear();
    }

    public Tensor AttendDecode(int layer, Tensor queries)
    {
        if (!AttendsDecodeInPlace) throw new NotSupportedException("this cache attends through Read (not a float32 CPU cache, or turned off)");
        if (_writeRows is null || _writeRows.shape[1] != 1 || queries.shape[0] != _planDecodeLengths.Length)
            throw new InvalidOperationException("AttendDecode outside a planned decode step (one new token per row)");
        return PagedDecodeAttention.Attend(queries, _keys[layer], _values[layer], _planPages, _planDecodeLengths, PageSize, AttentionThreads);
    }

    public void Commit(IReadOnlyList<int> slots, IReadOnlyList<int> added)
    {
        for (int b = 0; b < slots.Count; b++)
        {
            _lengths[slots[b]] += added[b];
            // Padding may have claimed pages past the real tokens: give them back.
            var pages = _pages[slots[b]];
            int keep = PagesFor(_lengths[slots[b]]);
            for (int i = pages.Count - 1; i >= keep; i--) Unref(pages[i]);
            if (pages.Count > keep) pages.RemoveRange(keep, pages.Count - keep);
        }
    }

    private long Row(List<int> pages, int position) => (long)pages[position / PageSize] * PageSize + position % PageSize;

    private int PagesFor(int tokens) => (tokens + PageSize - 1) / PageSize;

    private int TakePage()
    {
        int page = _freePages.Pop();
        _refCounts[page] = 1;
        return page;
    }

    private void Unref(int page)
    {
        if (--_refCounts[page] == 0) _freePages.Push(page);
    }

    private int CopyPage(int page)
    {
        if (_freePages.Count == 0) throw new KvCacheFullException("no free page for a copy-on-write");
        int copy = TakePage();
        using (NewDisposeScope())
        using (no_grad())
        {
            for (int layer = 0; layer < Config.NumLayers; layer++)
            {
                _keys[layer].narrow(0, (long)copy * PageSize, PageSize).copy_(_keys[layer].narrow(0, (long)page * PageSize, PageSize));
                _values[layer].narrow(0, (long)copy * PageSize, PageSize).copy_(_values[layer].narrow(0, (long)page * PageSize, PageSize));
            }
        }
        Unref(page);
        return copy;
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
        DisposeReadPlan();
    }
}

/// <summary>The page pool cannot hold what a forward needs; the engine frees parked prefixes or preempts a sequence.</summary>
public sealed class KvCacheFullException(string message) : InvalidOperationException(message);
