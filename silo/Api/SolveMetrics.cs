using System.Diagnostics.Metrics;

namespace AprOrleans.Silo.Api;

/// <summary>Service-level instruments (meter <c>AprOrleans.Silo</c>): Solve latency and outcomes as the API sees them.</summary>
public static class SolveMetrics
{
    public const string MeterName = "AprOrleans.Silo";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Histogram<double> Duration =
        Meter.CreateHistogram<double>("apr.solve.duration", "ms", "wall time of a Solve call, from request to tree");
    private static readonly Counter<long> Solves = Meter.CreateCounter<long>("apr.solve.completed", "{solve}", "finished solves by correctness");

    public static void Record(TimeSpan elapsed, bool correct)
    {
        var tag = new KeyValuePair<string, object?>("correct", correct);
        Duration.Record(elapsed.TotalMilliseconds, tag);
        Solves.Add(1, tag);
    }
}
