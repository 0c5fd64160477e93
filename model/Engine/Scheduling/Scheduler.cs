using AprOrleans.Reasoning.Runtime;

namespace AprOrleans.Model.Engine.Scheduling;

/// <summary>
/// The engine's scheduler (DESIGN §5), free of tensors: it owns the request queue, the cache slots, the parked
/// prefixes and the count of KV pages, and turns them into one <see cref="StepPlan{TSequence}"/> per forward pass.
/// Each engine iteration asks for a prefill plan (<see cref="SchedulePrefill"/>: drop cancelled requests, admit
/// queued ones, pick the prompts to prefill) and then a decode plan (<see cref="ScheduleDecode"/>); the executor
/// runs each plan and reports the sampled tokens to <see cref="Update"/>, which appends them, retires the sequences
/// they end and parks their slots. Only one thread may call it (the engine's).
/// </summary>
public sealed class Scheduler<TSequence> where TSequence : ScheduledSequence
{
    private readonly EngineOptions _options;
    private readonly int _eosId;
    private readonly Queue<TSequence> _waiting = new();
    private readonly List<TSequence> _running = [];
    private readonly List<TSequence> _preempted = []; // oldest admission first
    private readonly List<int> _freeSlots = []; // a stack: the most recently freed slot last
    private readonly int[] _capacities; // tokens each slot can hold
    private readonly PrefixCache _prefixes = new();
    private readonly PageLedger _pages;
    private long _admissions, _generated, _prefilled, _reused, _steps, _reprefilled, _preemptions;

    /// <param name="options">The engine's options, its context already capped by the model's positions.</param>
    public Scheduler(EngineOptions options, int eosId)
    {
        if (options.Validate() is { } fault) throw new ArgumentException(fault, nameof(options));
        _options = options;
        _eosId = eosId;
        var (pages, pageSize) = options.KvPages();
        _pages = new PageLedger(options.Slots, pages, pageSize);
        _capacities = options.SlotCapacities();
        if (_capacities.Max() < options.ContextTokens) throw new ArgumentException("no slot holds a full context", nameof(options));
        for (int s = options.Slots - 1; s >= 0; s--) _freeSlots.Add(s);
    }

    public int TotalPages => _pages.TotalPages;
    public int PagesInUse => _pages.InUse;
    public IReadOnlyList<TSequence> Running => _running;
    public IReadOnlyList<TSequence> Preempted => _preempted;
    public IReadOnlyCollection<TSequence> Waiting => _waiting;
    public IEnumerable<int> FreeSlots => _freeSlots;
    /// <summary>Tokens <paramref name="slot"/> can hold (its region's capacity; the context for pages).</summary>
    public int Capacity(int slot) => _capacities[slot];
    /// <summary>Parked slots with the tokens their caches hold, oldest first.</summary>
    public IEnumerable<(int Slot, int Tokens)> Parked => _prefixes.Entries;
    /// <summary>Tokens the cache holds for <paramref name="slot"/>, as the scheduler counts them.</summary>
    public int CachedTokens(int slot) => _pages.Length(slot);

    /// <summary>Whether anything waits, runs or waits to resume.</summary>
    public bool HasWork => _running.Count > 0 || _preempted.Count > 0 || _waiting.Count > 0;

    public void Enqueue(TSequence sequence) => _waiting.Enqueue(sequence);

    public SchedulerCounters Counters => new(_generated, _prefilled, _reused, _steps, _reprefilled, _preemptions,
        _running.Count, _waiting.Count, _preempted.Count, _prefixes.Count, _options.Slots - _freeSlots.Count, _pages.InUse);

    /// <summary>
    /// The weights changed: parked prefixes are dropped and every running sequence is to be prefilled again (its cached
    /// keys came from the old weights). Returns the cuts the executor applies to its cache.
    /// </summary>
    public List<SlotCut> RestartUnderNewWeights()
    {
        var cuts = new List<SlotCut>();
        foreach (var slot in _prefixes.Clear())
        {
            Cut(slot, 0, cuts);
            _freeSlots.Add(slot);
        }
        foreach (var s in _running)
        {
            s.Cached = 0;
            Cut(s.Slot, 0, cuts);
            _reprefilled++;
        }
        return cuts;
    }

    /// <summary>
    /// Starts an iteration: drops cancelled sequences, admits waiting ones, and plans the prefill of the rows with more
    /// than one pending token (shortest first, within the prefill token budget and the context), making room in the
    /// page pool for it.
    /// </summary>
    public StepPlan<TSequence> SchedulePrefill()
    {
        var plan = new StepPlan<TSequence> { IsPrefill = true };
        DropCancelled(plan);
        Admit(plan);
        var candidates = _running.Where(s => s.Pending > 1).ToList();
        if (candidates.Count > 0) PlanRows(TakePrefillBatch(candidates), plan);
        return plan;
    }

    /// <summary>Plans one decode step over every row with one pending token, making room in the page pool for it.</summary>
    public StepPlan<TSequence> ScheduleDecode()
    {
        var plan = new StepPlan<TSequence> { IsPrefill = false };
        var batch = _running.Where(s => s.Pending == 1).ToList();
        if (batch.Count > 0) PlanRows(batch, plan);
        return plan;
    }

    /// <summary>
    /// The executor ran <paramref name="plan"/> and sampled <paramref name="tokens"/> (one per row, in row order):
    /// each row's fed tokens are now cached and its token appended; the sequences that ends are retired (their slots
    /// parked with the cached tokens, for a later request that continues the same text) and returned.
    /// </summary>
    public List<Finished<TSequence>> Update(StepPlan<TSequence> plan, IReadOnlyList<int> tokens)
    {
        if (tokens.Count != plan.Rows.Count) throw new ArgumentException($"{tokens.Count} tokens for {plan.Rows.Count} rows", nameof(tokens));
        var finished = new List<Finished<TSequence>>();
        if (plan.Rows.Count == 0) return finished;
        if (plan.Width > 1) _prefilled += plan.Rows.Sum(r => r.Count);
        _steps++;
        for (int b = 0; b < plan.Rows.Count; b++)
        {
            var (s, slot, start, count) = plan.Rows[b];
            if (s.Slot != slot || s.Cached != start) throw new InvalidOperationException($"row {b} changed since it was planned");
            s.Cached += count;
            _pages.SetLength(slot, s.Cached);
            s.Tokens.Add(tokens[b]);
            _generated++;
            if (s.StopAfter(tokens[b], _eosId, _options.ContextTokens) is { } reason)
            {
                _running.Remove(s);
                _prefixes.Park(slot, s.Tokens.Take(s.Cached).ToArray());
                s.Slot = -1;
                finished.Add(new(s, reason));
            }
        }
        return finished;
    }

    /// <summary>
    /// A forward failed: every running sequence ends with it (its slot freed), never the engine. Returns them and the
    /// cuts that empty their slots.
    /// </summary>
    public (List<TSequence> Failed, List<SlotCut> Cuts) FailRunning()
    {
        var failed = _running.ToList();
        var cuts = new List<SlotCut>();
        foreach (var s in failed) FreeSlot(s, cuts);
        _running.Clear();
        return (failed, cuts);
    }

    /// <summary>
    /// The engine stops: everything not yet ended, running, preempted or waiting, is taken out and returned (with the
    /// cache gone, their slots are not cut).
    /// </summary>
    public List<TSequence> TakeAll()
    {
        var all = _running.Concat(_preempted).Concat(_waiting).ToList();
        _running.Clear();
        _preempted.Clear();
        _waiting.Clear();
        return all;
    }

    private void DropCancelled(StepPlan<TSequence> plan)
    {
        for (int i = _running.Count - 1; i >= 0; i--)
        {
            if (!_running[i].Cancellation.IsCancellationRequested) continue;
            plan.Cancelled.Add(_running[i]);
            FreeSlot(_running[i], plan.Cuts);
            _running.RemoveAt(i);
        }
        for (int i = _preempted.Count - 1; i >= 0; i--)
        {
            if (!_preempted[i].Cancellation.IsCancellationRequested) continue;
            plan.Cancelled.Add(_preempted[i]);
            _preempted.RemoveAt(i);
        }
    }

    /// <summary>
    /// Moves preempted sequences back into slots, then queued requests: a parked prefix when one matches, else a free
    /// (or evicted) slot. Nothing queued is admitted while a preempted sequence still waits for a slot.
    /// </summary>
    private void Admit(StepPlan<TSequence> plan)
    {
        // Preempted sequences go first: they were admitted before anything still queued.
        while (_preempted.Count > 0 && TryTakeSlot(plan, Bound(_preempted[0]), out int slot))
        {
            var again = _preempted[0];
            _preempted.RemoveAt(0);
            again.Slot = slot;
            again.Cached = 0;
            _running.Add(again);
        }
        if (_preempted.Count > 0) return;
        while (_waiting.TryPeek(out var next))
        {
            if (next.Cancellation.IsCancellationRequested)
            {
                _waiting.Dequeue();
                plan.Cancelled.Add(next);
                continue;
            }
            int slot, reused = 0, bound = Bound(next);
            if (_prefixes.TakeLongestPrefix(next.Tokens, _options.MinPrefixReuse, parked => _capacities[parked] >= bound) is { } hit)
            {
                slot = hit.Slot;
                // Keep at least one token to feed, so the step yields logits for the next token.
                reused = Math.Min(hit.Shared, next.Tokens.Count - 1);
                Cut(slot, reused, plan.Cuts);
                _reused += reused;
            }
            else if (!TryTakeSlot(plan, bound, out slot))
            {
                return; // every slot that could hold it runs a sequence: wait for one to finish
            }
            _waiting.Dequeue();
            next.Slot = slot;
            next.Cached = reused;
            next.Admission = _admissions++;
            _running.Add(next);
            plan.Admitted.Add(new(next, slot, reused));
        }
    }

    /// <summary>
    /// Tokens a sequence can come to hold: its prompt plus its token budget, at most a context. A slot it takes must
    /// hold that many, so it never outgrows its region.
    /// </summary>
    private int Bound(TSequence s) => (int)Math.Min((long)s.PromptLength + s.MaxNewTokens, _options.ContextTokens);

    /// <summary>
    /// The free slot of the smallest capacity that holds <paramref name="tokens"/> (the most recently freed among equals),
    /// or else the slot of the oldest parked prefix that holds them (emptied).
    /// </summary>
    private bool TryTakeSlot(StepPlan<TSequence> plan, int tokens, out int slot)
    {
        int best = -1;
        for (int i = _freeSlots.Count - 1; i >= 0; i--)
        {
            int capacity = _capacities[_freeSlots[i]];
            if (capacity >= tokens && (best < 0 || capacity < _capacities[_freeSlots[best]])) best = i;
        }
        if (best >= 0)
        {
            slot = _freeSlots[best];
            _freeSlots.RemoveAt(best);
            return true;
        }
        if (_prefixes.EvictOldest(parked => _capacities[parked] >= tokens) is int evicted)
        {
            slot = evicted;
            Cut(slot, 0, plan.Cuts);
            return true;
        }
        slot = -1;
        return false;
    }

    /// <summary>
    /// Prompts to prefill together: shortest first, while the padded batch stays within the prefill token budget
    /// and every row's cached length plus the padded width fits its slot.
    /// </summary>
    private List<TSequence> TakePrefillBatch(List<TSequence> candidates)
    {
        var batch = new List<TSequence>();
        int width = 0, room = int.MaxValue; // room: the fewest tokens any row's slot can still take
        foreach (var s in candidates.OrderBy(s => s.Pending))
        {
            int newWidth = Math.Max(width, s.Pending), newRoom = Math.Min(room, _capacities[s.Slot] - s.Cached);
            bool fits = newWidth * (batch.Count + 1) <= _options.MaxPrefillTokens && newWidth <= newRoom;
            if (batch.Count > 0 && !fits) break;
            batch.Add(s);
            (width, room) = (newWidth, newRoom);
        }
        return batch;
    }

    /// <summary>Makes room for <paramref name="batch"/> and writes the rows that remain into the plan.</summary>
    private void PlanRows(List<TSequence> batch, StepPlan<TSequence> plan)
    {
        EnsurePages(batch, plan);
        foreach (var s in batch) plan.Rows.Add(new(s, s.Slot, s.Cached, s.Pending));
    }

    /// <summary>
    /// Makes room in the page pool for this forward (every row padded to the widest): first by dropping parked
    /// prefixes (oldest first), then by preempting the most recently admitted running sequences (their pages are
    /// freed and they are prefilled again later, as vLLM does). The oldest running sequence is never preempted, and a
    /// prefill short of pages serves it first, so the engine never stalls; when it alone cannot fit, it fails.
    /// </summary>
    private void EnsurePages(List<TSequence> batch, StepPlan<TSequence> plan)
    {
        int Needed()
        {
            if (batch.Count == 0) return 0;
            int width = batch.Max(s => s.Pending);
            return batch.Sum(s => _pages.Needed(s.Slot, s.Cached + width));
        }
        while (Needed() > _pages.Free && _prefixes.EvictOldest() is int parked)
        {
            Cut(parked, 0, plan.Cuts);
            _freeSlots.Add(parked);
        }
        var oldest = _running.MinBy(s => s.Admission)!;
        if (Needed() > _pages.Free && plan.IsPrefill && oldest.Pending > 1 && !batch.Contains(oldest))
        {
            // Room made for younger prompts would go to rows preempted again next iteration while the oldest waited:
            // under page pressure the oldest sequence's prefill goes first, alone.
            batch.Clear();
            batch.Add(oldest);
        }
        while (Needed() > _pages.Free && _running.Where(s => s != oldest).MaxBy(s => s.Admission) is { } youngest)
        {
            batch.Remove(youngest);
            _running.Remove(youngest);
            FreeSlot(youngest, plan.Cuts);
            youngest.Cached = 0;
            _preempted.Insert(0, youngest);
            plan.Preempted.Add(youngest);
            _preemptions++;
        }
        if (Needed() <= _pages.Free) return;
        // Only the oldest is left in the batch, and it alone needs more pages than the pool has.
        batch.Remove(oldest);
        _running.Remove(oldest);
        FreeSlot(oldest, plan.Cuts);
        plan.Failed.Add((oldest,
            $"one sequence of {oldest.Tokens.Count} tokens needs more KV memory than the cache has ({_pages.TotalPages} pages of {_pages.PageSize} tokens)"));
    }

    private void FreeSlot(TSequence s, List<SlotCut> cuts)
    {
        if (s.Slot < 0) return;
        Cut(s.Slot, 0, cuts);
        _freeSlots.Add(s.Slot);
        s.Slot = -1;
    }

    private void Cut(int slot, int length, List<SlotCut> cuts)
    {
        if (length == _pages.Length(slot)) return;
        if (length > _pages.Length(slot)) throw new InvalidOperationException($"slot {slot} holds {_pages.Length(slot)} tokens, not {length}");
        _pages.SetLength(slot, length);
        cuts.Add(new SlotCut(slot, length));
    }
}
