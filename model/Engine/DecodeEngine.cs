using System.Collections.Concurrent;
using AprOrleans.Model.Checkpoints;
using AprOrleans.Model.Engine.Scheduling;
using AprOrleans.Model.Inference;
using AprOrleans.Reasoning.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace AprOrleans.Model.Engine;

/// <summary>
/// Continuous-batching decode engine (DESIGN §5): the executor half of the engine. One dedicated OS thread owns the
/// model, the KV cache and the sampler, and with them the <see cref="Scheduler{TSequence}"/>, which holds no tensors:
/// it owns the queue, the slots, the parked prefixes and the page count, and plans each forward pass. Each iteration
/// the thread hands new requests and weight swaps to the scheduler, runs its prefill plan and then its decode plan
/// (cuts to the cache, the forward, sampling) and reports the sampled tokens back, which retires the sequences that
/// end. Weight updates are applied between iterations: running sequences are re-prefilled under the new weights and
/// parked prefixes dropped; every token records the version that produced it.
/// </summary>
public sealed class DecodeEngine : IThreadDecoder, IWeightSwappable, IReportsLoad, IDisposable
{
    private readonly LlamaForCausalLM _model;
    private readonly EngineOptions _options;
    private readonly IEngineKvCache _cache;
    private readonly Sampler _sampler;
    private readonly Scheduler<ActiveSequence> _scheduler;
    private readonly ConcurrentQueue<ActiveSequence> _arrivals = new();
    private readonly ConcurrentQueue<(long Version, Action<LlamaForCausalLM> Load, TaskCompletionSource Done)> _weightUpdates = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Thread _thread;
    private readonly CancellationTokenSource _stop = new();
    private long _version, _accepted, _taken;
    private volatile Published _published;

    /// <summary>
    /// The engine's statistics as its own thread last published them (the scheduler's state belongs to that thread
    /// alone), with how many requests it had taken from the arrivals by then; requests accepted since are still queued.
    /// </summary>
    private sealed record Published(EngineStats Stats, long Taken);

    /// <param name="model">Owned by the engine from now on: only its thread touches it.</param>
    public DecodeEngine(LlamaForCausalLM model, int eosId, EngineOptions options, long weightVersion = 0, string name = "engine")
    {
        if (options.Validate() is { } fault) throw new ArgumentException(fault, nameof(options));
        _model = model;
        _options = options with { ContextTokens = Math.Min(options.ContextTokens, model.Config.MaxPositionEmbeddings) };
        _version = weightVersion;
        _model.eval();
        // The engine owns the model and only infers with it: q/k/v and gate/up can run as one product each.
        if (_options.FuseProjections ?? model.Device.type == DeviceType.CUDA) _model.FuseProjections();
        _cache = CreateCache(model, _options);
        _scheduler = new Scheduler<ActiveSequence>(_options, eosId);
        if (_scheduler.TotalPages != _cache.TotalPages)
            throw new InvalidOperationException($"the scheduler counts {_scheduler.TotalPages} pages, the cache has {_cache.TotalPages}");
        _sampler = new Sampler(options.Seed, model.Device);
        _published = Snapshot();
        _thread = new Thread(Loop) { IsBackground = true, Name = $"{name}-decode" };
        _thread.Start();
        EngineMetrics.Register(this, name);
    }

    public int ContextTokens => _options.ContextTokens;

    /// <summary>The KV cache of the options' layout, on the model's device and in its dtype.</summary>
    private static IEngineKvCache CreateCache(LlamaForCausalLM model, EngineOptions options) => options.KvLayout switch
    {
        KvLayout.Regions => new KvCache(model.Config, options.EffectiveRegionTiers, model.Device, model.DType),
        _ => new PagedKvCache(model.Config, options.Slots, options.EffectiveKvTokens, options.ContextTokens, model.Device, model.DType, options.PageSize,
            options.PagedDecodeAttention, options.AttentionThreads),
    };

    public Task<DecodeResult> DecodeAsync(DecodeRequest request, CancellationToken cancellationToken = default)
    {
        if (request.Context.Count == 0) throw new ArgumentException("the context is empty", nameof(request));
        if (request.MaxNewTokens < 1) throw new ArgumentException("max new tokens must be at least 1", nameof(request));
        // A context that already fills the model's window cannot grow: that is the thread's token limit, not a fault.
        if (request.Context.Count >= _options.ContextTokens)
            return Task.FromResult(new DecodeResult([], [], [], DecodeStop.TokenLimit, TimeSpan.Zero, TimeSpan.Zero));
        ObjectDisposedException.ThrowIf(_stop.IsCancellationRequested, this);
        var completion = new TaskCompletionSource<DecodeResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        // Counted before it can be taken, so the queue depth never drops below the requests not yet admitted.
        Interlocked.Increment(ref _accepted);
        _arrivals.Enqueue(new ActiveSequence(request, completion, cancellationToken));
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

    /// <summary>
    /// What the engine thread last published (before it completed any request of that step), plus the requests
    /// accepted since that it has not taken yet, which count as queued.
    /// </summary>
    public EngineStats Stats
    {
        get
        {
            var published = _published;
            long arrived = Interlocked.Read(ref _accepted) - published.Taken;
            return published.Stats with { QueuedRequests = published.Stats.QueuedRequests + (int)arrived };
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

    /// <summary>Engine thread only: the scheduler's counters and gauges as statistics.</summary>
    private Published Snapshot()
    {
        var c = _scheduler.Counters;
        return new(new EngineStats(
            Interlocked.Read(ref _version), c.GeneratedTokens, c.PrefilledTokens, c.ReusedPrefixTokens, c.Steps, c.Running, c.Waiting,
            c.ParkedPrefixes, c.SlotsInUse, _options.Slots, c.ReprefilledSequences, c.Preemptions, c.PagesInUse, _cache.TotalPages), _taken);
    }

    /// <summary>Engine thread only: publishes its statistics for <see cref="Stats"/>.</summary>
    private void Publish() => _published = Snapshot();

    private void Loop()
    {
        using var noGrad = no_grad();
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                TakeArrivals();
                if (!_scheduler.HasWork && _weightUpdates.IsEmpty)
                {
                    Publish();
                    _wake.Wait(_stop.Token);
                    continue;
                }
                ApplyWeightUpdates();
                Run(_scheduler.SchedulePrefill());
                Run(_scheduler.ScheduleDecode());
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // A failed step fails the requests it held, never the engine: the next ones still get served.
                var (failed, cuts) = _scheduler.FailRunning();
                ApplyCuts(cuts);
                Publish();
                foreach (var s in failed) s.Completion.TrySetException(e);
            }
        }
        TakeArrivals();
        foreach (var s in _scheduler.TakeAll()) s.Completion.TrySetCanceled();
    }

    /// <summary>Hands the requests that arrived to the scheduler's queue.</summary>
    private void TakeArrivals()
    {
        while (_arrivals.TryDequeue(out var arrived))
        {
            _scheduler.Enqueue(arrived);
            _taken++;
        }
    }

    private void ApplyWeightUpdates()
    {
        while (_weightUpdates.TryDequeue(out var update))
        {
            try
            {
                update.Load(_model);
                Interlocked.Exchange(ref _version, update.Version);
                // Keys/values computed by the old weights must not mix with the new ones: the scheduler drops them.
                ApplyCuts(_scheduler.RestartUnderNewWeights());
                Publish();
                update.Done.TrySetResult();
            }
            catch (Exception e)
            {
                update.Done.TrySetException(e);
            }
        }
    }

    /// <summary>
    /// Carries out one plan: its cuts to the cache, the requests it ended early, then (when it has rows) the forward and
    /// sampling, whose tokens go back to the scheduler. Statistics are published before any caller sees its result.
    /// </summary>
    private void Run(StepPlan<ActiveSequence> plan)
    {
        ApplyCuts(plan.Cuts);
        var now = DateTime.UtcNow;
        foreach (var admitted in plan.Admitted) admitted.Sequence.StartedAt = now;
        if (plan.Cancelled.Count > 0 || plan.Failed.Count > 0)
        {
            Publish();
            foreach (var s in plan.Cancelled) s.Completion.TrySetCanceled(s.Cancellation);
            foreach (var (s, reason) in plan.Failed) s.Completion.TrySetException(new KvCacheFullException(reason));
        }
        if (plan.Rows.Count == 0) return;
        if (_cache.UsedPages != _scheduler.PagesInUse)
            throw new InvalidOperationException($"the cache holds {_cache.UsedPages} pages, the scheduler counts {_scheduler.PagesInUse}");
        var (tokens, logProbs) = Forward(plan);
        long version = Interlocked.Read(ref _version);
        for (int b = 0; b < plan.Rows.Count; b++)
        {
            plan.Rows[b].Sequence.LogProbs.Add(logProbs[b]);
            plan.Rows[b].Sequence.Versions.Add(version);
        }
        var finished = _scheduler.Update(plan, tokens);
        Publish();
        foreach (var (s, reason) in finished) Complete(s, reason);
    }

    private void ApplyCuts(IEnumerable<SlotCut> cuts)
    {
        foreach (var (slot, length) in cuts) _cache.Truncate(slot, length);
    }

    /// <summary>Feeds each row's tokens (right-padded into one batch) and samples one token per row.</summary>
    private (int[] Tokens, float[] LogProbs) Forward(StepPlan<ActiveSequence> plan)
    {
        var rows = plan.Rows;
        int width = plan.Width;
        var input = new long[rows.Count * width];
        var real = new int[rows.Count];
        for (int b = 0; b < rows.Count; b++)
        {
            var (s, _, start, count) = rows[b];
            real[b] = count;
            for (int t = 0; t < count; t++) input[b * width + t] = s.Tokens[start + t];
        }
        using (NewDisposeScope())
        {
            var tokens = tensor(input, [rows.Count, width], device: _model.Device);
            // Only each row's last real position is sampled from: the LM head skips the rest of a prefill.
            var last = _model.Forward(tokens, _cache, rows.Select(r => r.Slot).ToArray(), real, lastTokenOnly: true);
            return SampleGroups(rows, last);
        }
    }

    /// <summary>Rows with the same sampling settings are sampled together (one set of ops per distinct setting).</summary>
    private (int[] Tokens, float[] LogProbs) SampleGroups(List<PlannedRow<ActiveSequence>> rows, Tensor logits)
    {
        var tokens = new int[rows.Count];
        var logProbs = new float[rows.Count];
        foreach (var group in Enumerable.Range(0, rows.Count).GroupBy(b => rows[b].Sequence.Request.Sampling with { Seed = 0 }))
        {
            var members = group.ToArray();
            var options = new SamplingOptions(group.Key.Temperature, group.Key.TopK, group.Key.TopP);
            var groupLogits = members.Length == rows.Count ? logits : logits.index_select(0, tensor(members.Select(r => (long)r).ToArray(), device: logits.device));
            var (picked, scores) = _sampler.Sample(groupLogits, options);
            var pickedHost = picked.cpu().data<long>().ToArray();
            var scoresHost = scores.cpu().data<float>().ToArray();
            for (int i = 0; i < members.Length; i++)
            {
                tokens[members[i]] = (int)pickedHost[i];
                logProbs[members[i]] = scoresHost[i];
            }
        }
        return (tokens, logProbs);
    }

    private static void Complete(ActiveSequence s, DecodeStop reason)
    {
        var now = DateTime.UtcNow;
        var started = s.StartedAt ?? now;
        s.Completion.TrySetResult(new DecodeResult(s.Generated, s.LogProbs, s.Versions, reason, started - s.EnqueuedAt, now - started));
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
