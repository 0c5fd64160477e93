// Benchmarks: `bench <verb> [options]`. Each verb lives in its own file and registers here.
using AprOrleans.Bench;

var verbs = new Dictionary<string, Func<string[], int>>(StringComparer.Ordinal)
{
    ["sft"] = SftBenchmark.Run,
};

if (args.Length == 0 || !verbs.TryGetValue(args[0], out var run))
{
    Console.Error.WriteLine($"usage: bench <verb> [options]   verbs: {string.Join(", ", verbs.Keys)}");
    return 2;
}
return run(args[1..]);
