using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace AprOrleans.Model.Engine;

/// <summary>
/// The engines' OpenTelemetry instruments (meter <c>AprOrleans.Engine</c>): generated and prefilled tokens
/// (counters; tokens/s is their rate), batch size, queue depth and KV pages in use (gauges), one series per
/// engine tagged with its name (the device). Observable instruments read each live engine's counters when a
/// collector scrapes, so the decode loop pays nothing for them.
/// </summary>
public static class EngineMetrics
{
    public const string MeterName = "AprOrleans.Engine";

    private static readonly Meter Meter = new(MeterName);
    private static readonly ConcurrentDictionary<DecodeEngine, string> Engines = new();

    static EngineMetrics()
    {
        Meter.CreateObservableCounter("apr.engine.generated_tokens", () => Observe(s => s.GeneratedTokens), "{token}", "tokens generated");
        Meter.CreateObservableCounter("apr.engine.prefilled_tokens", () => Observe(s => s.PrefilledTokens), "{token}", "prompt tokens prefilled");
        Meter.CreateObservableCounter("apr.engine.reused_prefix_tokens", () => Observe(s => s.ReusedPrefixTokens), "{token}", "prompt tokens served from a cached prefix");
        Meter.CreateObservableCounter("apr.engine.preemptions", () => Observe(s => s.Preemptions), "{sequence}", "sequences preempted for KV memory");
        Meter.CreateObservableGauge("apr.engine.batch_size", () => Observe(s => (long)s.RunningSequences), "{sequence}", "sequences in the running batch");
        Meter.CreateObservableGauge("apr.engine.queue_depth", () => Observe(s => (long)s.QueuedRequests), "{request}", "requests waiting for a slot");
        Meter.CreateObservableGauge("apr.engine.kv_pages_used", () => Observe(s => (long)s.KvPagesInUse), "{page}", "KV cache pages in use");
        Meter.CreateObservableGauge("apr.engine.kv_pages_total", () => Observe(s => (long)s.KvPages), "{page}", "KV cache pages allocated");
        Meter.CreateObservableGauge("apr.engine.weight_version", () => Observe(s => s.WeightVersion), "{version}", "weight version being served");
    }

    internal static void Register(DecodeEngine engine, string name) => Engines[engine] = name;

    internal static void Unregister(DecodeEngine engine) => Engines.TryRemove(engine, out _);

    private static IEnumerable<Measurement<long>> Observe(Func<EngineStats, long> read) =>
        Engines.Select(e => new Measurement<long>(read(e.Key.Stats), new KeyValuePair<string, object?>("engine", e.Value))).ToList();
}
