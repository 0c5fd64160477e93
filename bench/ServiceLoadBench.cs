using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using AprOrleans.Api;
using AprOrleans.Countdown.Problems;
using AprOrleans.Countdown.Trace;
using AprOrleans.Model.Engine;
using AprOrleans.Model.Runtime;
using Grpc.Net.Client;

namespace AprOrleans.Bench;

/// <summary>
/// Service load: C concurrent clients call Solve over gRPC for S seconds against an in-process silo (memory
/// storage, the real engine on the CPU); then the same workload runs directly on an engine (spawn/join runtime,
/// no Orleans, no gRPC) for S seconds. Reports errors, solves/s, p50/p99 latency of both and the service's
/// overhead (how much throughput the service path loses against the direct one).
/// Usage: service-load [--checkpoint DIR] [--concurrency 200] [--seconds 60] [--thread-tokens 128] [--threads 0]
/// </summary>
public static class ServiceLoadBench
{
    public static int Run(string[] args)
    {
        var checkpoint = Path.GetFullPath(Args.String(args, "--checkpoint", Path.Combine("checkpoints", "countdown3-apr")));
        int concurrency = Args.Int(args, "--concurrency", 200);
        var duration = TimeSpan.FromSeconds(Args.Int(args, "--seconds", 60));
        int threadTokens = Args.Int(args, "--thread-tokens", 128);
        if (Args.Int(args, "--threads", 0) is > 0 and var threads) TorchSharp.torch.set_num_threads(threads);
        var problems = new ProblemGenerator(3, seed: 42).Take(512).ToList();
        var limits = new TreeLimits { MaxTokensPerThread = threadTokens, MaxTotalTokens = 8 * threadTokens };
        Console.WriteLine($"checkpoint {checkpoint}; {concurrency} concurrent clients for {duration.TotalSeconds:F0} s each way; " +
                          $"{threadTokens} tokens per thread; torch threads {TorchSharp.torch.get_num_threads()}; {Environment.ProcessorCount} cores");

        var service = RunServiceAsync(checkpoint, concurrency, duration, problems, limits).GetAwaiter().GetResult();
        Report("service (gRPC → Orleans → engine)", service, duration);
        var direct = RunDirectAsync(checkpoint, concurrency, duration, problems, limits).GetAwaiter().GetResult();
        Report("direct  (runtime → engine)       ", direct, duration);
        double overhead = 1 - (service.Latencies.Count / duration.TotalSeconds) / (direct.Latencies.Count / duration.TotalSeconds);
        // Clients start together, so solves finish in waves and throughput moves in whole waves; the per-solve
        // latency ratio is the finer measure of what the service adds to the engine's time.
        Console.WriteLine($"service overhead: {overhead:P1} of the direct path's throughput (whole waves of {concurrency}); " +
                          $"per solve {Percentile(service, 0.50) / Percentile(direct, 0.50) - 1:+0.0%;-0.0%} at p50, " +
                          $"{Percentile(service, 0.99) / Percentile(direct, 0.99) - 1:+0.0%;-0.0%} at p99 (target ≤ 5 %)");
        return service.Errors == 0 ? 0 : 1;
    }

    private sealed record LoadResult(List<double> Latencies, int Errors, ConcurrentDictionary<string, int> ErrorKinds);

    private static async Task<LoadResult> RunServiceAsync(string checkpoint, int concurrency, TimeSpan duration, List<Problem> problems, TreeLimits limits)
    {
        await using var silo = await LoopbackSilo.StartAsync(new Dictionary<string, string?>
        {
            ["Apr:Checkpoint"] = checkpoint, ["Apr:EngineSlots"] = "256",
        });
        using var channel = GrpcChannel.ForAddress(silo.GrpcAddress, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
        });
        var client = new Solver.SolverClient(channel);
        // Warm-up: activates the batching grain and loads the model before the clock starts.
        await client.SolveAsync(Request(problems[0], limits), deadline: DateTime.UtcNow.AddMinutes(5));
        return await LoadAsync(concurrency, duration, problems, async p =>
            await client.SolveAsync(Request(p, limits), deadline: DateTime.UtcNow.AddMinutes(5)));
    }

    private static async Task<LoadResult> RunDirectAsync(string checkpoint, int concurrency, TimeSpan duration, List<Problem> problems, TreeLimits limits)
    {
        using var local = LocalModel.Load(checkpoint, "cpu", new EngineOptions { Slots = 256, ContextTokens = 4096, MaxPrefillTokens = 8192 });
        var runtime = new SpawnJoinRuntime(local.Engine, local.Tokenizer, limits);
        string Prompt(Problem p) => TraceFormat.ThreadPrompt(SearchNode.Root(p.Nums, p.Target));
        await runtime.RunAsync(Prompt(problems[0]), SamplingSettings.Greedy);
        return await LoadAsync(concurrency, duration, problems, async p => await runtime.RunAsync(Prompt(p), SamplingSettings.Greedy));
    }

    private static SolveRequest Request(Problem p, TreeLimits limits)
    {
        var request = new SolveRequest
        {
            Target = p.Target,
            Mode = Mode.Apr,
            Limits = new Limits { MaxTokensPerThread = limits.MaxTokensPerThread, MaxTotalTokens = limits.MaxTotalTokens },
            Sampling = new Sampling { Temperature = 0 },
        };
        request.Numbers.AddRange(p.Nums);
        return request;
    }

    private static async Task<LoadResult> LoadAsync(int concurrency, TimeSpan duration, List<Problem> problems, Func<Problem, Task> solve)
    {
        var latencies = new ConcurrentBag<double>();
        var kinds = new ConcurrentDictionary<string, int>();
        int errors = 0, next = 0;
        var end = DateTime.UtcNow + duration;
        using var sampler = new Timer(_ => Console.WriteLine(
            $"  t+{(duration - (end - DateTime.UtcNow)).TotalSeconds:F0}s: {latencies.Count} solved, {errors} errors; thread pool {ThreadPool.ThreadCount} threads, " +
            $"{ThreadPool.PendingWorkItemCount} queued; gen0 GCs {GC.CollectionCount(0)}, gen2 {GC.CollectionCount(2)}"), null, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5));
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (DateTime.UtcNow < end)
            {
                var problem = problems[Interlocked.Increment(ref next) % problems.Count];
                var clock = Stopwatch.StartNew();
                try
                {
                    await solve(problem);
                    if (DateTime.UtcNow <= end) latencies.Add(clock.Elapsed.TotalMilliseconds);
                }
                catch (Exception e)
                {
                    Interlocked.Increment(ref errors);
                    var kind = e.Message.Length > 160 ? e.Message[..160] : e.Message;
                    kinds.AddOrUpdate(kind, 1, (_, n) => n + 1);
                }
            }
        }));
        return new LoadResult([.. latencies.Order()], errors, kinds);
    }

    private static double Percentile(LoadResult r, double q) =>
        r.Latencies.Count == 0 ? double.NaN : r.Latencies[(int)Math.Min(r.Latencies.Count - 1, q * r.Latencies.Count)];

    private static void Report(string name, LoadResult r, TimeSpan duration)
    {
        double P(double q) => Percentile(r, q);
        Console.WriteLine($"{name}: {r.Latencies.Count} solves, {r.Errors} errors, {r.Latencies.Count / duration.TotalSeconds:F2} solves/s, " +
                          $"p50 {P(0.50):F0} ms, p99 {P(0.99):F0} ms");
        foreach (var (kind, n) in r.ErrorKinds.OrderByDescending(k => k.Value)) Console.WriteLine($"  {n} × {kind}");
    }
}
