using System.Globalization;
using AprOrleans.Api;
using Grpc.Core;

namespace AprOrleans.Tests.Service;

/// <summary>
/// Cancellation seen from outside, on the real engine: solves cancelled by their gRPC clients leave the engine idle
/// as its own Prometheus gauges report it (no running or queued sequence, no KV page held), the operator's view of
/// "nothing is left running".
/// </summary>
public sealed class RealEngineCancellationTests
{
    [Fact]
    public async Task Cancelled_solves_leave_the_engine_idle_on_metrics()
    {
        await using var cluster = await TestCluster.StartAsync(["silo-a"], withEngine: false, storage: "memory", checkpoint: RepositoryPaths.ShippedCheckpoint);
        var silo = cluster["silo-a"];
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{silo.HttpPort}") };
        using var cancel = new CancellationTokenSource();
        // Serial solves at T 1 with distinct seeds: one thread each, several hundred tokens, nothing parked for a join.
        var calls = Enumerable.Range(1, 4).Select(seed => silo.Solver.SolveAsync(new SolveRequest
        {
            Numbers = { 81, 32, 77 },
            Target = 36,
            Mode = Mode.Serial,
            Sampling = new Sampling { Temperature = 1, Seed = seed },
        }, new CallOptions(deadline: DateTime.UtcNow.AddMinutes(5), cancellationToken: cancel.Token))).ToList();

        var busy = await WaitForAsync(http, g => g.Running > 0, "a running sequence");
        Assert.True(busy.Running > 0 && busy.KvPagesUsed > 0);
        cancel.Cancel();
        foreach (var call in calls)
            Assert.Equal(StatusCode.Cancelled, (await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync)).StatusCode);

        var idle = await WaitForAsync(http, g => g is { Running: 0, Queued: 0, KvPagesUsed: 0 }, "the engine idle");
        Assert.Equal((0, 0, 0), (idle.Running, idle.Queued, idle.KvPagesUsed));
    }

    private sealed record EngineGauges(double Running, double Queued, double KvPagesUsed);

    /// <summary>Scrapes /metrics until <paramref name="done"/> holds (bounded: a solve that is never freed fails the test).</summary>
    private static async Task<EngineGauges> WaitForAsync(HttpClient http, Func<EngineGauges, bool> done, string what)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            var text = await http.GetStringAsync("/metrics");
            var gauges = new EngineGauges(Sum(text, "apr_engine_batch_size"), Sum(text, "apr_engine_queue_depth"), Sum(text, "apr_engine_kv_pages_used"));
            if (done(gauges)) return gauges;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"/metrics never showed {what}: {gauges}");
            await Task.Delay(100);
        }
    }

    /// <summary>The sum of a gauge's samples over its labels (one per batcher; one batcher here).</summary>
    private static double Sum(string exposition, string name) => exposition.Split('\n')
        .Where(line => line.StartsWith(name + "{", StringComparison.Ordinal) || line.StartsWith(name + " ", StringComparison.Ordinal))
        .Sum(line => double.Parse(line.Split(' ')[^1], CultureInfo.InvariantCulture));
}
