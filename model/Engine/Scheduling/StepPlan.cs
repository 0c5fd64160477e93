namespace AprOrleans.Model.Engine.Scheduling;

/// <summary>Cut <see cref="Slot"/>'s KV cache back to its first <see cref="Length"/> tokens (0 = empty it).</summary>
public readonly record struct SlotCut(int Slot, int Length);

/// <summary>A request taken from the queue into <see cref="Slot"/>; <see cref="ReusedTokens"/> came from a parked prefix.</summary>
public readonly record struct Admission<TSequence>(TSequence Sequence, int Slot, int ReusedTokens);

/// <summary>One row of a forward: feed <see cref="Count"/> tokens of the sequence from position <see cref="Start"/> into <see cref="Slot"/>.</summary>
public readonly record struct PlannedRow<TSequence>(TSequence Sequence, int Slot, int Start, int Count);

/// <summary>
/// What the scheduler decided for one forward pass, for the executor to carry out in this order: apply
/// <see cref="Cuts"/> to the KV cache, end <see cref="Cancelled"/> and <see cref="Failed"/>, then (when there are
/// <see cref="Rows"/>) feed each row's tokens right-padded to <see cref="Width"/>, sample one token per row and report
/// them to <see cref="Scheduler{TSequence}.Update"/>. A prefill plan's rows feed their whole pending text; a decode
/// plan's rows feed one token each.
/// </summary>
public sealed class StepPlan<TSequence>
{
    public bool IsPrefill { get; init; }
    public List<SlotCut> Cuts { get; } = [];
    public List<TSequence> Cancelled { get; } = [];
    public List<(TSequence Sequence, string Reason)> Failed { get; } = [];
    public List<Admission<TSequence>> Admitted { get; } = [];
    /// <summary>Running sequences sent back to wait (their slot and pages freed); they resume ahead of the queue.</summary>
    public List<TSequence> Preempted { get; } = [];
    public List<PlannedRow<TSequence>> Rows { get; } = [];
    /// <summary>Tokens per row of the forward: the longest row's count.</summary>
    public int Width => Rows.Count == 0 ? 0 : Rows.Max(r => r.Count);
}

/// <summary>A sequence the step's results ended, and why.</summary>
public readonly record struct Finished<TSequence>(TSequence Sequence, AprOrleans.Reasoning.Runtime.DecodeStop Reason);
