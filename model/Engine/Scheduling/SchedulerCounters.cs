namespace AprOrleans.Model.Engine.Scheduling;

/// <summary>The scheduler's counters (totals since it started) and gauges (its state now), read on its own thread.</summary>
public sealed record SchedulerCounters(
    long GeneratedTokens,
    long PrefilledTokens,
    long ReusedPrefixTokens,
    long Steps,
    long ReprefilledSequences,
    long Preemptions,
    int Running,
    int Waiting,
    int Preempted,
    int ParkedPrefixes,
    int SlotsInUse,
    int PagesInUse);
