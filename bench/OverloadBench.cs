using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using AprOrleans.Api;
using AprOrleans.CommandLine;
using AprOrleans.Countdown.Problems;
using AprOrleans.Reasoning.Runtime;
using AprOrleans.Silo.Api;
using Grpc.Core;
using Grpc.Net.Client;

namespace AprOrleans.Bench;

/// <summary>
/// Overload: far more concurrent clients than a silo admits (default 1 000 against the default admission limits:
/// <c>Apr:MaxSolvesInFlight</c> derived from the engine's slots, and <c>Apr:MaxSolveTokensInFlight</c>), a share of them asking the largest token
/// budget a request may. An in-process silo (memory storage, the real engine on the CPU, its default admission
/// settings) serves closed-loop clients for S seconds; a refused client waits the retry hint of the
/// <c>grpc-retry-pushback-ms</c> trailer and tries again. Reports every status code's count, admitted solves/s, the
/// p50/p99 latency of admitted solves, and the process's peak resident memory; exit 1 when any call ended in a
/// status other than OK or RESOURCE_EXHAUSTED (an INTERNAL, a timeout) or the silo died.
/// Usage: overload [--checkpoint DIR] [--concurrency 1000] [--seconds 60] [--max-budget-share 0.1] [--thread-tokens 128]
/// </summary>
public static class OverloadBench
{
    public static Command Command()
    {
        var checkpoint = ValueOptions.Text("--checkpoint", "checkpoint the silo serves", Path.Combine("checkpoints", "countdown3-apr"));
        var concurrency = ValueOptions.Int("--concurrency", "closed-loop clients", 1000);
        var seconds = ValueOptions.Int("--seconds", "how long the clients run", 60);
        var maxShare = ValueOptions.Double("--max-budget-share", "share of the clients asking the largest token budget", 0.1);
        var threadTokens = ValueOptions.Int("--thread-tokens", "tokens per thread of the other clients' solves", 128);
        var command = new Command("overload", "far more clients than a silo admits, a share asking the largest budget: statuses, admitted p99, peak memory")
            { checkpoint, concurrency, seconds, maxShare, threadTokens };
        command.SetAction(parse => RunAsync(Path.GetFullPath(parse.GetValue(checkpoint)!), parse.GetValue(concurrency), TimeSpan.FromSeconds(parse.GetValue(seconds)),
            parse.GetValue(maxShare), parse.GetValue(threadTokens)).GetAwaiter().GetResult());
        return command;
    }

    private static async Task<int> RunAsync(string checkpoint, int concurrency, TimeSpan duration, double maxShare, int threadTokens)
    {
        var defaults = new Silo.Hosting.SiloSettings { EngineSlots = 256, Devices = ["cpu:0"] };
        int maxBudgetClients = (int)Math.Round(concurrency * maxShare);
        Console.WriteLine($"checkpoint {checkpoint}; {concurrency} clients for {duration.TotalSeconds:F0} s, {maxBudgetClients} of them asking " +
                          $"{defaults.MaxSolveTokens} tokens, the rest {8 * threadTokens}; admission: {defaults.SolvesInFlightLimit} solves, " +
                          $"{defaults.MaxSolveTokensInFlight} budgeted tokens in flight; {Environment.ProcessorCount} cores");
        await using var silo = await LoopbackSilo.StartAsync(new Dictionary<string, string?> { ["Apr:Checkpoint"] = checkpoint, ["Apr:EngineSlots"] = "256" });
        using var channel = GrpcChannel.ForAddress(silo.GrpcAddress, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
        });
        var client = new Solver.SolverClient(channel);
        var problems = new ProblemGenerator(3, seed: 42).Take(512).ToList();
        var ordinary = new TreeLimits { MaxTokensPerThread = threadTokens, MaxTotalTokens = 8 * threadTokens };
        var largest = new TreeLimits { MaxTokensPerThread = 4096, MaxTotalTokens = defaults.MaxSolveTokens };
        await client.SolveAsync(ServiceLoadBench.Request(problems[0], ordinary), deadline: DateTime.UtcNow.AddMinutes(5));

        var statuses = new ConcurrentDictionary<StatusCode, int>();
        var latencies = new ConcurrentBag<double>();
        long peakResident = 0;
        var end = DateTime.UtcNow + duration;
        using var sampler = new Timer(_ =>
        {
            long resident = Process.GetCurrentProcess().WorkingSet64;
            long before;
            do before = Interlocked.Read(ref peakResident); while (resident > before && Interlocked.CompareExchange(ref peakResident, resident, before) != before);
        }, null, TimeSpan.Zero, TimeSpan.FromSeconds(1));
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async c =>
        {
            var limits = c < maxBudgetClients ? largest : ordinary;
            for (int round = 0; DateTime.UtcNow < end; round++)
            {
                var clock = Stopwatch.StartNew();
                try
                {
                    await client.SolveAsync(ServiceLoadBench.Request(problems[(round * concurrency + c) % problems.Count], limits), deadline: DateTime.UtcNow.AddMinutes(5));
                    statuses.AddOrUpdate(StatusCode.OK, 1, (_, n) => n + 1);
                    if (DateTime.UtcNow <= end) latencies.Add(clock.Elapsed.TotalMilliseconds);
                }
                catch (RpcException e)
                {
                    statuses.AddOrUpdate(e.StatusCode, 1, (_, n) => n + 1);
                    if (e.StatusCode != StatusCode.ResourceExhausted) continue;
                    var hint = e.Trailers.GetValue(SolveAdmission.RetryPushbackTrailer);
                    await Task.Delay(int.TryParse(hint, out int ms) ? ms : 1000);
                }
            }
        }));

        var admitted = latencies.Order().ToList();
        double Percentile(double q) => admitted.Count == 0 ? double.NaN : admitted[(int)Math.Min(admitted.Count - 1, q * admitted.Count)];
        Console.WriteLine($"admitted: {admitted.Count} solves, {admitted.Count / duration.TotalSeconds:F2} solves/s, p50 {Percentile(0.5):F0} ms, " +
                          $"p99 {Percentile(0.99):F0} ms, max {(admitted.Count == 0 ? double.NaN : admitted[^1]):F0} ms");
        foreach (var (code, n) in statuses.OrderBy(s => s.Key)) Console.WriteLine($"  {code}: {n}");
        Console.WriteLine($"peak resident memory {Interlocked.Read(ref peakResident) / (1 << 20)} MiB");
        bool clean = statuses.Keys.All(code => code is StatusCode.OK or StatusCode.ResourceExhausted);
        Console.WriteLine(clean ? "every call ended OK or RESOURCE_EXHAUSTED" : "FAILED: calls ended in other statuses");
        return clean ? 0 : 1;
    }
}
