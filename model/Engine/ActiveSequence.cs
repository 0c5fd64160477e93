using AprOrleans.Model.Engine.Scheduling;
using AprOrleans.Reasoning.Runtime;

namespace AprOrleans.Model.Engine;

/// <summary>
/// One request while the engine works on it: what the scheduler tracks (its tokens, slot and cached length), plus
/// what the executor records for the caller: the sampling settings, the log-prob and weight version of every
/// generated token, the times it was enqueued and admitted, and the completion to resolve.
/// </summary>
internal sealed class ActiveSequence(DecodeRequest request, TaskCompletionSource<DecodeResult> completion, CancellationToken cancellation)
    : ScheduledSequence(request.Context, request.MaxNewTokens, request.StopTokens, cancellation)
{
    public DecodeRequest Request { get; } = request;
    public TaskCompletionSource<DecodeResult> Completion { get; } = completion;
    public List<float> LogProbs { get; } = [];
    public List<long> Versions { get; } = [];
    public DateTime EnqueuedAt { get; } = DateTime.UtcNow;
    public DateTime? StartedAt { get; set; }
}
