namespace AprOrleans.Reasoning.Runtime;

/// <summary>
/// The mutable token state of one running thread: its current context and the segment being decoded.
/// Kept apart from the runtime so the control flow there reads as the protocol.
/// </summary>
internal sealed class ThreadState(List<int> initialContext)
{
    private int[] _segmentContext = [.. initialContext];
    private readonly List<int> _generated = [];
    private readonly List<float> _logProbs = [];
    private readonly List<long> _versions = [];
    private int _guards;
    private bool _open = true;
    private TimeSpan _queue, _decode;

    public List<int> Context { get; } = initialContext;
    public List<SegmentResult> Segments { get; } = [];

    public void Append(DecodeResult result)
    {
        _open = true;
        Context.AddRange(result.Tokens);
        _generated.AddRange(result.Tokens);
        _logProbs.AddRange(result.LogProbs);
        _versions.AddRange(result.WeightVersions);
        _queue += result.QueueTime;
        _decode += result.DecodeTime;
    }

    /// <summary>Swaps the last generated token (the join-marker guard); its log-prob stays the sampled token's.</summary>
    public void ReplaceLast(int token)
    {
        Context[^1] = token;
        _generated[^1] = token;
        _guards++;
    }

    /// <summary>Ends the current segment; a second call before more tokens or a join does nothing.</summary>
    public void CloseSegment()
    {
        if (!_open) return;
        _open = false;
        Segments.Add(new SegmentResult(_segmentContext, [.. _generated], [.. _logProbs], [.. _versions], _guards, _queue, _decode));
        _generated.Clear();
        _logProbs.Clear();
        _versions.Clear();
        _guards = 0;
        _queue = _decode = TimeSpan.Zero;
        _segmentContext = [.. Context];
    }

    /// <summary>The pre-spawn tokens (everything before the last spawn marker) followed by the join block.</summary>
    public void ResumeAfterJoin(int spawnMarker, IReadOnlyList<int> joinBlock)
    {
        int cut = Context.LastIndexOf(spawnMarker);
        if (cut < 0) throw new InvalidOperationException("no spawn marker in the context");
        Context.RemoveRange(cut, Context.Count - cut);
        Context.AddRange(joinBlock);
        _segmentContext = [.. Context];
        _open = true;
    }
}
