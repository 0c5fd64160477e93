using AprOrleans.Interfaces.Solving;

namespace AprOrleans.Grains.Solving;

/// <summary>
/// The segments of a running solve, in completion order. The runtime continues off the grain's scheduler
/// (it uses ConfigureAwait(false)), so appends come from pool threads: the log is locked, and waiters are woken
/// through a completion source that never runs their continuations inline.
/// </summary>
internal sealed class SegmentLog
{
    private readonly object _gate = new();
    private readonly List<SegmentEvent> _events = [];
    private TaskCompletionSource _changed = NewSignal();
    private bool _closed;

    public void Append(Func<int, SegmentEvent> make)
    {
        TaskCompletionSource signal;
        lock (_gate)
        {
            _events.Add(make(_events.Count));
            (signal, _changed) = (_changed, NewSignal());
        }
        signal.TrySetResult();
    }

    /// <summary>No more segments will come; wakes every waiter.</summary>
    public void Close()
    {
        TaskCompletionSource signal;
        lock (_gate)
        {
            _closed = true;
            signal = _changed;
        }
        signal.TrySetResult();
    }

    public IReadOnlyList<SegmentEvent> From(int seen)
    {
        lock (_gate) return seen >= _events.Count ? [] : _events.GetRange(Math.Max(0, seen), _events.Count - Math.Max(0, seen));
    }

    /// <summary>Waits until there are more than <paramref name="seen"/> segments, the log closes, or the wait ends.</summary>
    public async Task WaitAsync(int seen, TimeSpan wait)
    {
        Task signal;
        lock (_gate)
        {
            if (_closed || _events.Count > seen) return;
            signal = _changed.Task;
        }
        await Task.WhenAny(signal, Task.Delay(wait));
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
