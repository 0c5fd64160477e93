using System.Diagnostics;
using System.Globalization;
using static TorchSharp.torch;

namespace AprOrleans.Trainer;

/// <summary>
/// Wall time of each phase of a training step (forward, backward, optimizer, ...), for benchmarks only: on CUDA it
/// synchronizes the device at every mark, so each phase owns the kernels it launched. That serializes the step,
/// so a profiled run is slower than an unprofiled one; the split is what it is for.
/// </summary>
public sealed class StepPhaseTimer(Device device)
{
    private readonly List<(string Phase, double Seconds)> _totals = [];
    private long _last;

    public int Steps { get; private set; }

    /// <summary>Starts a step's clock (after the device finished earlier work).</summary>
    public void Start()
    {
        Synchronize();
        _last = Stopwatch.GetTimestamp();
    }

    /// <summary>Charges the time since the last mark to <paramref name="phase"/>.</summary>
    public void Mark(string phase)
    {
        Synchronize();
        long now = Stopwatch.GetTimestamp();
        double seconds = Stopwatch.GetElapsedTime(_last, now).TotalSeconds;
        _last = now;
        int i = _totals.FindIndex(t => t.Phase == phase);
        if (i < 0) _totals.Add((phase, seconds));
        else _totals[i] = (phase, _totals[i].Seconds + seconds);
    }

    public void EndStep() => Steps++;

    /// <summary>One line: milliseconds per step of each phase, in order, and their share.</summary>
    public string Summary()
    {
        double total = _totals.Sum(t => t.Seconds);
        int steps = Math.Max(1, Steps);
        return string.Join(", ", _totals.Select(t => string.Create(CultureInfo.InvariantCulture,
            $"{t.Phase} {t.Seconds / steps * 1000:F1} ms ({t.Seconds / Math.Max(total, 1e-12):P0})")));
    }

    private void Synchronize()
    {
        if (device.type == TorchSharp.DeviceType.CUDA) cuda.synchronize(device);
    }
}
