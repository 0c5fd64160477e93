using System.Collections.Concurrent;
using AprOrleans.Model.Checkpoints;
using AprOrleans.Model.Inference;
using AprOrleans.Reasoning.Runtime;
using static TorchSharp.torch;

namespace AprOrleans.Model.Engine;

/// <summary>
/// Continuous-batching decode engine (DESIGN §5). One dedicated OS thread owns the model, the KV cache and the
/// sampler; callers enqueue requests and await their results. Each iteration the thread admits queued requests
/// into free cache slots (re-using a parked prefix when a request starts with one), prefills new prompts in one
/// batch, runs one decode step over every running sequence, and retires the ones that hit end-of-sequence, a
/// stop token or their limit. Sequences join and leave between steps. Weight updates are applied between steps:
/// running sequences are re-prefilled under the new weights (their cached keys came from the old ones) and parked
/// prefixes are dropped; every token records the version that produced it.
/// </summary>
public sealed class DecodeEngine : IThreadDecoder, IWeightSwappable, IReportsLoad, IDisposable
{
    private readonly LlamaForCausalLM _model;
    private readonly EngineOptions _options;
    private readonly int _eosId;
    private readonly PagedKvCache _cache;
    private readonly Sampler _sampler;
    private readonly ConcurrentQueue<ActiveSequence> _queue = new();
    private readonly ConcurrentQueue<(long Version, Action<LlamaForCausalLM> Load, TaskCompletionSource Done)> _weightUpdates = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly List<ActiveSequence> _running = [];
    private readonly Stack<int> _freeSlots = new();
    private readonly PrefixCache _prefixes = new();
    private readonly Thread _thread;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<ActiveSequence> _preempted = [];
    private long _version, _generated, _prefilled, _reused, _steps, _reprefilled, _preemptions;
    private volatile int _queued;
    private volatile Gauges _gauges = new(0, 0, 0, 0);

    /// <summary>
    /// The engine's gauges as its own thread last saw them: the collections behind them (running list, free slots,
    /// prefix cache, KV pages) belong to that thread alone, so other threads read this snapshot, never the collections.
    /// </summary>
    private sealed record Gauges(int Running, int ParkedPrefixes, int SlotsInUse, int KvPagesInUse);

    /// <param name="model">Owned by the engine from now on: only its thread touches it.</param>
    public DecodeEngine(LlamaForCausalLM model, int eosId, EngineOptions options, long weightVersion = 0, string name = "engine")
    {
        if (options.Validate() is { } fault) throw new ArgumentException(fault, nameof(options));
        _model = model;
        _options = options with { ContextTokens = Math.Min(options.ContextTokens, model.Config.MaxPositionEmbeddings) };
        _eosId = eosId;
        _version = weightVersion;
        _model.eval();
        _cache = new PagedKvCache(model.Config, _options.Slots, _options.EffectiveKvTokens, _options.ContextTokens, model.Device, model.DType, _options.PageSize,
            _options.PagedDecodeAttention, _options.AttentionThreads);
        _sampler = new Sampler(options.Seed, model.Device);
        for (int s = _options.Slots - 1; s >= 0; s--) _freeSlots.Push(s);
        _thread = new Thread(Loop) { IsBackground = true, Name = $"{name}-decode" };
        _thread.Start();
        EngineMetrics.Register(this, name);
    }

    public int ContextTokens => _options.ContextTokens;

    public Task<DecodeResult> DecodeAsync(DecodeRequest request, CancellationToken cancellationToken = default)
    {
        if (request.Context.Count == 0) throw new ArgumentException("the context is empty", nameof(request));
        if (request.MaxNewTokens < 1) throw new ArgumentException("max new tokens must be at least 1", nameof(request));
        // A context that already fills the model's window cannot grow: that is the thread's token limit, not a fault.
        if (request.Context.Count >= _options.ContextTokens)
            return Task.FromResult(new DecodeResult([], [], [], DecodeStop.TokenLimit, TimeSpan.Zero, TimeSpan.Zero));
        ObjectDisposedException.ThrowIf(_stop.IsCancellationRequested, this);
        var completion = new TaskCompletionSource<DecodeResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        _queue.Enqueue(new ActiveSequence(request, completion, cancellationToken));
        Interlocked.Increment(ref _queued);
        _wake.Release();
        return completion.Task;
    }

    /// <summary>
    /// Swaps weights between steps: <paramref name="load"/> runs on the engine thread (e.g. loading a safetensors
    /// file into the model). Completes once the new version serves.
    /// </summary>
    public Task UpdateWeightsAsync(long version, Action<LlamaForCausalLM> load)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _weightUpdates.Enqueue((version, load, done));
        _wake.Release();
        return done.Task;
    }

    public long WeightVersion => Interlocked.Read(ref _version);

    /// <summary>Loads a safetensors file on the engine thread (shapes are checked before any parameter changes).</summary>
    public Task SwapWeightsAsync(long version, string path) => UpdateWeightsAsync(version, net => ModelCheckpoint.LoadWeights(path, net));

    public EngineStats Stats
    {
        get
        {
            var g = _gauges;
            return new(
                Interlocked.Read(ref _version), Interlocked.Read(ref _generated), Interlocked.Read(ref _prefilled),
                Interlocked.Read(ref _reused), Interlocked.Read(ref _steps), g.Running, _queued, g.ParkedPrefixes,
                g.SlotsInUse, _options.Slots, Interlocked.Read(ref _reprefilled),
                Interlocked.Read(ref _preemptions), g.KvPagesInUse, _cache.TotalPages);
        }
    }

    public DecoderLoad Load
    {
        get
        {
            var stats = Stats;
            return new(stats.RunningSequences, stats.QueuedRequests, stats.Slots, stats.KvPagesInUse, stats.KvPages, stats.GeneratedTokens);
        }
    }

    /// <summary>Engine thread only: publishes its gauges for <see cref="Stats"/>.</summary>
    private void PublishGauges() => _gauges = new Gauges(_running.Count, _prefixes.Count, _options.Slots - _freeSlots.Count, _cache.UsedPages);

    private void Loop()
    {
        using var noGrad = no_grad();
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                if (_running.Count == 0 && _preempted.Count == 0 && _queue.IsEmpty && _weightUpdates.IsEmpty)
                {
                    PublishGauges();
                    _wake.Wait(_stop.Token);
                    continue;
                }
                ApplyWeightUpdates();
                DropCancelled();
                Admit();
                Step();
                PublishGauges();
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // A failed step fails the requests it held, never the engine: the next ones still get served.
                foreach (var s in _running) s.Completion.TrySetException(e);
                foreach (var s in _running) ReleaseSlot(s);
                _running.Clear();
                PublishGauges();
            }
        }
        foreach (var s in _running) s.Completion.TrySetCanceled();
        while (_queue.TryDequeue(out var q)) q.Completion.TrySetCanceled();
    }

    private void ApplyWeightUpdates()
    {
        while (_weightUpdates.TryDequeue(out var update))
        {
            try
            {
                update.Load(_model);
                Interlocked.Exchange(ref _version, update.Version);
                foreach (var slot in _prefixes.Clear())
                {
                    _cache.Release(slot);
                    _freeSlots.Push(slot);
                }
                foreach (var s in _running)
                {
                    // Keys/values computed by the old weights must not mix with the new ones: recompute them.
                    s.Cached = 0;
                    _cache.Release(s.Slot);
                    Interlocked.Increment(ref _reprefilled);
                }
                update.Done.TrySetResult();
            }
            catch (Exception e)
            {
                update.Done.TrySetException(e);
            }
        }
    }

    private void DropCancelled()
    {
        for (int i = _running.Count - 1; i >= 0; i--)
        {
            if (!_running[i].Cancellation.IsCancellationRequested) continue;
            _running[i].Completion.TrySetCanceled(_running[i].Cancellation);
            ReleaseSlot(_running[i]);
            _running.RemoveAt(i);
        }
    }

    /// <summary>Moves queued requests into slots: a parked prefix when one matches, else a free (or evicted) slot.</summary>
    private void Admit()
    {
        // Preempted sequences go first: they were admitted before anything still queued.
        while (_preempted.Count > 0 && TryTakeSlot(out int slot))
        {
            var again = _preempted[0];
            _preempted.RemoveAt(0);
            _cache.Release(slot);
            again.Slot = slot;
            again.Cached = 0;
            _running.Add(again);
        }
        if (_preempted.Count > 0) return;
        while (_queue.TryPeek(out var next))
        {
            if (next.Cancellation.IsCancellationRequested)
            {
                _queue.TryDequeue(out _);
                Interlocked.Decrement(ref _queued);
                next.Completion.TrySetCanceled(next.Cancellation);
                continue;
            }
            var reuse = _prefixes.TakeLongestPrefix(next.Tokens, _options.MinPrefixReuse);
            int slot;
            if (reuse is { } hit)
            {
                slot = hit.Slot;
                
                // Keep at least one token to feed, so the step yields logits for the next token.
                int shared = Math.Min(hit.Shared, next.Tokens.Count - 1);
                _cache.Truncate(slot, shared);
                next.Cached = shared;
                Interlocked.Add(ref _reused, shared);
            }
            else if (TryTakeSlot(out slot))
            {
                _cache.Release(slot);
                next.Cached = 0;
            }
            else
            {
                return; // every slot runs a sequence: wait for one to finish
            }
            _queue.TryDequeue(out _);
            Interlocked.Decrement(ref _queued);
            next.Slot = slot;
            next.StartedAt = DateTime.UtcNow;
            _running.Add(next);
        }
    }

    /// <summary>A free slot, or the slot of the oldest parked prefix.</summary>
    private bool TryTakeSlot(out int slot)
    {
        if (_freeSlots.TryPop(out slot)) return true;
        if (_prefixes.EvictOldest() is int evicted)
        {
            slot = evicted;
            return true;
        }
        return false;
    }

    /// <summary>One iteration: prefill what needs more than one token, then decode everything ready.</summary>
    private void Step()
    {
        var prefill = _running.Where(s => s.Pending > 1).ToList();
        if (prefill.Count > 0) Forward(TakePrefillBatch(prefill));
        var decode = _running.Where(s => s.Pending == 1).ToList();
        if (decode.Count > 0) Forward(decode);
    }

    /// <summary>
    /// Prompts to prefill together: shortest first, while the padded batch stays within the prefill token budget
    /// and every row's cached length plus the padded width fits its slot.
    /// </summary>
    private List<ActiveSequence> TakePrefillBatch(List<ActiveSequence> candidates)
    {
        var batch = new List<ActiveSequence>();
        int width = 0, deepest = 0;
        foreach (var s in candidates.OrderBy(s => s.Pending))
        {
            int newWidth = Math.Max(width, s.Pending), newDeepest = Math.Max(deepest, s.Cached);
            bool fits = newWidth * (batch.Count + 1) <= _options.MaxPrefillTokens && newDeepest + newWidth <= _options.ContextTokens;
            if (batch.Count > 0 && !fits) break;
            batch.Add(s);
            (width, deepest) = (newWidth, newDeepest);
        }
        return batch;
    }

    /// <summary>Feeds each sequence's pending tokens (right-padded into one batch), samples, and retires finished ones.</summary>
    private void Forward(List<ActiveSequence> batch)
    {
        if (!EnsurePages(batch)) return;
        int width = batch.Max(s => s.Pending);
        var input = new long[batch.Count * width];
        var real = new int[batch.Count];
        for (int b = 0; b < batch.Count; b++)
        {
            var s = batch[b];
            real[b] = s.Pending;
            for (int t = 0; t < s.Pending; t++) input[b * width + t] = s.Tokens[s.Cached + t];
        }
        long[] chosen;
        float[] logProbs;
        using (NewDisposeScope())
        {
            var tokens = tensor(input, [batch.Count, width], device: _model.Device);
            // Only each row's last real position is sampled from: the LM head skips the rest of a prefill.
            var last = _model.Forward(tokens, _cache, batch.Select(s => s.Slot).ToArray(), real, lastTokenOnly: true);
            (chosen, logProbs) = SampleGroups(batch, last);
        }
        long version = Interlocked.Read(ref _version);
        if (width > 1) Interlocked.Add(ref _prefilled, real.Sum());
        Interlocked.Increment(ref _steps);
        for (int b = 0; b < batch.Count; b++)
        {
            var s = batch[b];
            s.Cached += real[b];
            int token = (int)chosen[b];
            s.Tokens.Add(token);
            s.Generated.Add(token);
            s.LogProbs.Add(logProbs[b]);
            s.Versions.Add(version);
            Interlocked.Increment(ref _generated);
            var stop = token == _eosId ? DecodeStop.EndOfSequence
                : s.Request.StopTokens.Contains(token) ? DecodeStop.StopToken
                : s.Generated.Count >= s.Request.MaxNewTokens || s.Tokens.Count >= _options.ContextTokens ? DecodeStop.TokenLimit
                : (DecodeStop?)null;
            if (stop is { } reason) Retire(s, reason);
        }
    }

    /// <summary>
    /// Makes room in the page pool for this forward: first by dropping parked prefixes (oldest first), then by
    /// preempting the most recently admitted running sequences (their pages are freed and they are re-prefilled
    /// later, as vLLM does). False when even the oldest sequence alone cannot fit.
    /// </summary>
    private bool EnsurePages(List<ActiveSequence> batch)
    {
        int Needed()
        {
            int width = batch.Max(s => s.Pending);
            return batch.Sum(s => _cache.PagesNeeded(s.Slot, s.Cached + width));
        }
        while (Needed() > _cache.FreePages && _prefixes.EvictOldest() is int parked)
        {
            _cache.Release(parked);
            _freeSlots.Push(parked);
        }
        // Never preempt the batch's oldest sequence, so the engine always makes progress.
        var keep = batch.MinBy(s => s.StartedAt)!;
        while (Needed() > _cache.FreePages && _running.Where(s => s != keep).MaxBy(s => s.StartedAt) is { } youngest)
        {
            batch.Remove(youngest);
            _running.Remove(youngest);
            ReleaseSlot(youngest);
            youngest.Cached = 0;
            _preempted.Insert(0, youngest);
            Interlocked.Increment(ref _preemptions);
        }
        if (Needed() <= _cache.FreePages) return true;
        var alone = keep;
        _running.Remove(alone);
        ReleaseSlot(alone);
        alone.Completion.TrySetException(new KvCacheFullException(
            $"one sequence of {alone.Tokens.Count} tokens needs more KV memory than the cache has ({_cache.TotalPages} pages of {_options.PageSize} tokens)"));
        return false;
    }

    /// <summary>Rows with the same sampling settings are sampled together (one set of ops per distinct setting).</summary>
    private (long[] Tokens, float[] LogProbs) SampleGroups(List<ActiveSequence> batch, Tensor logits)
    {
        var tokens = new long[batch.Count];
        var logProbs = new float[batch.Count];
        foreach (var group in Enumerable.Range(0, batch.Count).GroupBy(b => batch[b].Request.Sampling with { Seed = 0 }))
        {
            var rows = group.ToArray();
            var options = new SamplingOptions(group.Key.Temperature, group.Key.TopK, group.Key.TopP);
            var groupLogits = rows.Length == batch.Count ? logits : logits.index_select(0, tensor(rows.Select(r => (long)r).ToArray(), device: logits.device));
            var (picked, scores) = _sampler.Sample(groupLogits, options);
            var pickedHost = picked.cpu().data<long>().ToArray();
            var scoresHost = scores.cpu().data<float>().ToArray();
            for (int i = 0; i < rows.Length; i++)
            {
                tokens[rows[i]] = pickedHost[i];
                logProbs[rows[i]] = scoresHost[i];
            }
        }
        return (tokens, logProbs);
    }

    private void Retire(ActiveSequence s, DecodeStop reason)
    {
        _running.Remove(s);
        // The cache holds Tokens[0..Cached): park it for a request that continues the same text.
        _prefixes.Park(s.Slot, s.Tokens.Take(s.Cached).ToArray());
        var now = DateTime.UtcNow;
        var started = s.StartedAt ?? now;
        s.Completion.TrySetResult(new DecodeResult(s.Generated, s.LogProbs, s.Versions, reason, started - s.EnqueuedAt, now - started));
    }

    private void ReleaseSlot(ActiveSequence s)
    {
        if (s.Slot < 0) return;
        _cache.Release(s.Slot);
        _freeSlots.Push(s.Slot);
        s.Slot = -1;
    }

    public void Dispose()
    {
        if (_stop.IsCancellationRequested) return;
        EngineMetrics.Unregister(this);
        _stop.Cancel();
        _thread.Join();
        _cache.Dispose();
        _sampler.Dispose();
        _stop.Dispose();
        _wake.Dispose();
    }
}
