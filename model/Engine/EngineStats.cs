namespace AprOrleans.Model.Engine;

/// <summary>A snapshot of an engine's counters, for metrics and benchmarks.</summary>
public sealed record EngineStats(
    long WeightVersion,
    long GeneratedTokens,
    long PrefilledTokens,
    long ReusedPrefixTokens,
    long DecodeSteps,
    int RunningSequences,
    int QueuedRequests,
    int ParkedPrefixes,
    int SlotsInUse,
    int Slots,
    long ReprefilledSequences,
    long Preemptions,
    int KvPagesInUse,
    int KvPages);
