using System.Diagnostics;

namespace AprOrleans.Client.Terminal;

/// <summary>
/// A progress bar on standard error: redrawn in place on a terminal (at most 10 times a second),
/// one line every few seconds when stderr is a file or pipe, so CI logs stay readable.
/// </summary>
public sealed class ProgressBar(string label, long total)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly bool _interactive = !Console.IsErrorRedirected;
    private long _lastDrawMs = -1;

    public void Report(long done, string? detail = null, bool force = false)
    {
        long now = _clock.ElapsedMilliseconds;
        long interval = _interactive ? 100 : 5000;
        if (!force && _lastDrawMs >= 0 && now - _lastDrawMs < interval) return;
        _lastDrawMs = now;
        double fraction = total <= 0 ? 1 : Math.Clamp((double)done / total, 0, 1);
        double rate = done / Math.Max(_clock.Elapsed.TotalSeconds, 1e-9);
        var eta = rate > 0 && done < total ? TimeSpan.FromSeconds((total - done) / rate) : TimeSpan.Zero;
        const int width = 30;
        int filled = (int)(fraction * width);
        var bar = new string('#', filled) + new string('-', width - filled);
        var line = $"{label} [{bar}] {done}/{total} {fraction:P0} {rate:F0}/s ETA {eta:hh\\:mm\\:ss}{(detail is null ? "" : " " + detail)}";
        if (_interactive) Console.Error.Write("\r" + line.PadRight(Console.WindowWidth > 0 ? Math.Min(Console.WindowWidth - 1, 160) : 0));
        else Console.Error.WriteLine(line);
    }

    public void Finish(long done)
    {
        Report(done, force: true);
        if (_interactive) Console.Error.WriteLine();
    }

    public TimeSpan Elapsed => _clock.Elapsed;
}
