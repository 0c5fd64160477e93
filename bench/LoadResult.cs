using System.Collections.Concurrent;

namespace AprOrleans.Bench;

/// <summary>
/// One side of the service-load benchmark: each counted solve's latency and generated tokens keyed by (client, round),
/// and the errors.
/// </summary>
internal sealed record LoadResult(
    IReadOnlyDictionary<(int Client, int Round), double> ByCall,
    IReadOnlyDictionary<(int Client, int Round), int> TokensByCall,
    int Errors,
    ConcurrentDictionary<string, int> ErrorKinds)
{
    public List<double> Latencies { get; } = [.. ByCall.Values.Order()];

    public double Mean => Latencies.Count == 0 ? double.NaN : Latencies.Average();

    public double Percentile(double q) =>
        Latencies.Count == 0 ? double.NaN : Latencies[(int)Math.Min(Latencies.Count - 1, q * Latencies.Count)];

    public void Report(string name, TimeSpan duration)
    {
        Console.WriteLine($"{name}: {Latencies.Count} solves, {Errors} errors, {Latencies.Count / duration.TotalSeconds:F2} solves/s, " +
                          $"mean {Mean:F0} ms, p50 {Percentile(0.50):F0} ms, p99 {Percentile(0.99):F0} ms");
        foreach (var (kind, n) in ErrorKinds.OrderByDescending(k => k.Value)) Console.WriteLine($"  {n} × {kind}");
    }
}
