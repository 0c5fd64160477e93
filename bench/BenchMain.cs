using System.CommandLine;
using AprOrleans.CommandLine;

namespace AprOrleans.Bench;

/// <summary>
/// Dispatches `dotnet run --project bench -c Release -- VERB [options]` to one benchmark, parsed as apr and trainer
/// parse (<see cref="CommandLineProgram"/>): a mistyped option, a missing value or a malformed number exits 2 naming
/// it, before any work, instead of running with a default.
/// </summary>
public static class BenchMain
{
    public static RootCommand Build() => new("bench — benchmarks, one verb each (bench/README.md)")
    {
        DemoThroughputBench.Command(),
        SftBenchmark.Command(),
        ServiceLoadBench.Command(),
        OverloadBench.Command(),
        KvStepBench.Command(),
        DecodeThroughputBench.Command(),
        EvalOnDevice.Command(),
        LogitsDump.Command(),
        GrpoStepBench.Command(),
        WeightSyncBench.Command(),
        WeightDeltaBench.Command(),
    };

    public static int Run(string[] args) => CommandLineProgram.Run("bench", Build(), args, Console.Out, Console.Error);
}
