using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using AprOrleans.Api;
using AprOrleans.CommandLine;
using AprOrleans.Countdown.Problems;
using AprOrleans.Countdown.Trace;
using AprOrleans.Model.Engine;
using AprOrleans.Reasoning.Runtime;
using Grpc.Net.Client;

namespace AprOrleans.Bench;

/// <summary>
/// Service load: C concurrent clients call Solve over gRPC for S seconds against an in-process silo (memory
/// storage, the real engine on the CPU); the same workload runs directly on an engine (spawn/join runtime, no
/// Orleans, no gRPC) for S seconds. Reports errors, solves/s, mean/p50/p99 latency of both and the service's
/// overhead per solve. Both paths get the same work: client c's k-th solve is always the same problem, and greedy
/// decoding makes its tree the same, so the latency ratios compare the service with the engine on identical solves.
/// With --repeats R the pair runs R times in alternating order (service first, then direct first, ...) so that
/// drift in the machine's load does not favour one side; the medians over the repeats are the result.
/// Usage: service-load [--checkpoint DIR] [--concurrency 200] [--seconds 60] [--thread-tokens 128] [--threads 0] [--repeats 1] [--start-with service|direct] [--warmup-seconds 15]
/// [--attention-threads N] (0 = every core)
/// </summary>
public static class ServiceLoadBench
{
    public static Command Command()
    {
        var checkpoint = ValueOptions.Text("--checkpoint", "checkpoint both paths serve", Path.Combine("checkpoints", "countdown3-apr"));
        var concurrency = ValueOptions.Int("--concurrency", "concurrent clients", 200);
        var seconds = ValueOptions.Int("--seconds", "how long each path runs", 60);
        var threadTokens = ValueOptions.Int("--thread-tokens", "tokens per thread", 128);
        var threads = ValueOptions.Int("--threads", "libtorch CPU threads (0 = its default)", 0);
        var attentionThreads = ValueOptions.Int("--attention-threads", "threads of the in-place decode attention (0 = every core)", 0);
        var repeats = ValueOptions.Int("--repeats", "service/direct pairs, in alternating order", 1);
        var startWith = ValueOptions.Text("--start-with", "service or direct: the path the first pair runs first", "service");
        var warmupSeconds = ValueOptions.Int("--warmup-seconds", "untimed seconds on each path first", 15);
        var command = new Command("service-load", "concurrent Solve calls over gRPC vs the engine directly: errors, solves/s, p50/p99, overhead")
            { checkpoint, concurrency, seconds, threadTokens, threads, attentionThreads, repeats, startWith, warmupSeconds };
        command.SetAction(parse =>
        {
            if (parse.GetValue(threads) is > 0 and var torchThreads) TorchSharp.torch.set_num_threads(torchThreads);
            return Run(Path.GetFullPath(parse.GetValue(checkpoint)!), parse.GetValue(concurrency), TimeSpan.FromSeconds(parse.GetValue(seconds)),
                parse.GetValue(threadTokens), Math.Max(1, parse.GetValue(repeats)), parse.GetValue(startWith) == "direct",
                parse.GetValue(attentionThreads), parse.GetValue(warmupSeconds));
        });
        return command;
    }

    private static int Run(string checkpoint, int concurrency, TimeSpan duration, int threadTokens, int repeats, bool directFirst,
        int attentionThreads, int warmupSeconds)
    {
        var problems = new ProblemGenerator(3, seed: 42).Take(512).ToList();
        var limits = new TreeLimits { MaxTokensPerThread = threadTokens, MaxTotalTokens = 8 * threadTokens };
        var workload = new Workload(problems, concurrency, duration, limits, attentionThreads);
        Console.WriteLine($"checkpoint {checkpoint}; {concurrency} concurrent clients for {duration.TotalSeconds:F0} s each way; " +
                          $"{threadTokens} tokens per thread; torch threads {TorchSharp.torch.get_num_threads()}; " +
                          $"attention threads {(attentionThreads > 0 ? attentionThreads : Environment.ProcessorCount)}; {Environment.ProcessorCount} cores; " +
                          $"{repeats} repeat(s), alternating order");

        if (warmupSeconds is > 0 and var warmup)
        {
            // The first minute of a process runs partly unoptimized code while the JIT recompiles hot methods on
            // another thread, which competes for the core the service needs: run both paths once untimed, so every
            // repeat measures the steady state.
            Console.WriteLine($"warm-up: {warmup} s on each path, not counted");
            var warm = workload with { Duration = TimeSpan.FromSeconds(warmup) };
            RunServiceAsync(checkpoint, warm).GetAwaiter().GetResult();
            RunDirectAsync(checkpoint, warm).GetAwaiter().GetResult();
        }
        var ratios = new List<LatencyRatios>();
        int errors = 0;
        for (int r = 0; r < repeats; r++)
        {
            bool serviceFirst = (r % 2 == 0) != directFirst;
            Console.WriteLine($"repeat {r + 1}/{repeats}: {(serviceFirst ? "service first" : "direct first")}");
            LoadResult service, direct;
            if (serviceFirst)
            {
                service = RunService(checkpoint, workload);
                direct = RunDirect(checkpoint, workload);
            }
            else
            {
                direct = RunDirect(checkpoint, workload);
                service = RunService(checkpoint, workload);
            }
            errors += service.Errors + direct.Errors;
            var ratio = LatencyRatios.Of(service, direct);
            ratios.Add(ratio);
            Console.WriteLine($"  per solve, service vs direct: {ratio}; throughput {service.Latencies.Count / (double)direct.Latencies.Count - 1:+0.0%;-0.0%}");
        }
        if (repeats > 1) Console.WriteLine($"median over {repeats} repeats, service vs direct per solve: {LatencyRatios.Median(ratios)}");
        Console.WriteLine($"service overhead (mean solve latency over the engine's on the same solves{(repeats > 1 ? $", median of {repeats} repeats" : ", one repeat")}): " +
                          $"{LatencyRatios.Median(ratios).Mean:+0.0%;-0.0%} (target ≤ 5 %)");
        return errors == 0 ? 0 : 1;
    }

    private static LoadResult RunService(string checkpoint, Workload workload)
    {
        var result = RunServiceAsync(checkpoint, workload).GetAwaiter().GetResult();
        result.Report("service (gRPC → Orleans → engine)", workload.Duration);
        return result;
    }

    private static LoadResult RunDirect(string checkpoint, Workload workload)
    {
        var result = RunDirectAsync(checkpoint, workload).GetAwaiter().GetResult();
        result.Report("direct  (runtime → engine)       ", workload.Duration);
        return result;
    }

    private static async Task<LoadResult> RunServiceAsync(string checkpoint, Workload workload)
    {
        await using var silo = await LoopbackSilo.StartAsync(new Dictionary<string, string?>
        {
            ["Apr:Checkpoint"] = checkpoint, ["Apr:EngineSlots"] = "256",
            // This bench measures the service's cost over the engine at a given concurrency, not load shedding: admit every client.
            ["Apr:MaxSolvesInFlight"] = "100000",
            ["Apr:AttentionThreads"] = workload.AttentionThreads.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        using var channel = GrpcChannel.ForAddress(silo.GrpcAddress, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
        });
        var client = new Solver.SolverClient(channel);
        // Warm-up: activates the batching grain and loads the model before the clock starts.
        await client.SolveAsync(Request(workload.Problems[0], workload.Limits), deadline: DateTime.UtcNow.AddMinutes(5));
        return await workload.RunAsync(async p =>
            (await client.SolveAsync(Request(p, workload.Limits), deadline: DateTime.UtcNow.AddMinutes(5))).Totals.GeneratedTokens);
    }

    private static async Task<LoadResult> RunDirectAsync(string checkpoint, Workload workload)
    {
        using var local = LocalModel.Load(checkpoint, "cpu", new EngineOptions
        {
            Slots = 256, ContextTokens = 4096, MaxPrefillTokens = 8192,
            AttentionThreads = workload.AttentionThreads > 0 ? workload.AttentionThreads : null,
        });
        var runtime = new SpawnJoinRuntime(local.Engine, local.Tokenizer, workload.Limits);
        string Prompt(Problem p) => TraceFormat.ThreadPrompt(SearchNode.Root(p.Nums, p.Target));
        await runtime.RunAsync(Prompt(workload.Problems[0]), SamplingSettings.Greedy);
        return await workload.RunAsync(async p => (await runtime.RunAsync(Prompt(p), SamplingSettings.Greedy)).TotalGeneratedTokens);
    }

    /// <summary>A greedy APR Solve request for <paramref name="p"/> with the thread and tree token limits of <paramref name="limits"/>.</summary>
    internal static SolveRequest Request(Problem p, TreeLimits limits)
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

    /// <summary>
    /// C closed-loop clients for a fixed time. Client c's k-th solve is problem (k·C + c) mod N on both paths, so the
    /// two paths solve the same problems in the same per-client order (up to where the clock stops them).
    /// </summary>
    /// <param name="AttentionThreads">The engines' decode attention threads (0 = every core), on both paths.</param>
    private sealed record Workload(IReadOnlyList<Problem> Problems, int Concurrency, TimeSpan Duration, TreeLimits Limits, int AttentionThreads)
    {
        /// <param name="solve">Solves one problem and returns the tokens its tree generated (to check both paths did the same work).</param>
        public async Task<LoadResult> RunAsync(Func<Problem, Task<int>> solve)
        {
            var latencies = new ConcurrentDictionary<(int Client, int Round), double>();
            var tokens = new ConcurrentDictionary<(int Client, int Round), int>();
            var kinds = new ConcurrentDictionary<string, int>();
            int errors = 0;
            var end = DateTime.UtcNow + Duration;
            using var sampler = new Timer(_ => Console.WriteLine(
                $"  t+{(Duration - (end - DateTime.UtcNow)).TotalSeconds:F0}s: {latencies.Count} solved, {errors} errors; thread pool {ThreadPool.ThreadCount} threads, " +
                $"{ThreadPool.PendingWorkItemCount} queued; gen0 GCs {GC.CollectionCount(0)}, gen2 {GC.CollectionCount(2)}"), null, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5));
            await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(async client =>
            {
                for (int round = 0; DateTime.UtcNow < end; round++)
                {
                    var problem = Problems[(round * Concurrency + client) % Problems.Count];
                    var clock = Stopwatch.StartNew();
                    try
                    {
                        int generated = await solve(problem);
                        if (DateTime.UtcNow <= end)
                        {
                            latencies[(client, round)] = clock.Elapsed.TotalMilliseconds;
                            tokens[(client, round)] = generated;
                        }
                    }
                    catch (Exception e)
                    {
                        Interlocked.Increment(ref errors);
                        var kind = e.Message.Length > 160 ? e.Message[..160] : e.Message;
                        kinds.AddOrUpdate(kind, 1, (_, n) => n + 1);
                    }
                }
            }));
            return new LoadResult(new Dictionary<(int, int), double>(latencies), new Dictionary<(int, int), int>(tokens), errors, kinds);
        }
    }
}
