using System.CommandLine;
using AprOrleans.CommandLine;
using AprOrleans.Model.Engine;
using AprOrleans.Reasoning.Runtime;

namespace AprOrleans.Client.Commands;

/// <summary>Options shared by the verbs that run the model: which checkpoint, where, how to sample, which limits.</summary>
public sealed class ModelOptions
{
    public Option<string?> Checkpoint { get; } = new("--checkpoint") { Description = "checkpoint directory (default: the shipped Countdown checkpoint)" };
    public Option<string> Device { get; } = new("--device") { Description = "cpu or cuda:N", DefaultValueFactory = _ => "cpu" };
    public Option<float> Temperature { get; } = new("--temperature") { Description = "sampling temperature; 0 = greedy", DefaultValueFactory = _ => 0f };
    public Option<int> TopK { get; } = new("--top-k") { Description = "top-k filter (0 = off)", DefaultValueFactory = _ => 0 };
    public Option<float> TopP { get; } = new("--top-p") { Description = "top-p filter (1 = off)", DefaultValueFactory = _ => 1f };
    public Option<int> ThreadTokens { get; } = new("--thread-tokens") { Description = "most tokens one thread may hold", DefaultValueFactory = _ => TreeLimits.Default.MaxTokensPerThread };
    public Option<int> TotalTokens { get; } = new("--total-tokens") { Description = "most tokens one tree may generate", DefaultValueFactory = _ => TreeLimits.Default.MaxTotalTokens };
    public Option<int> MaxChildren { get; } = new("--max-children") { Description = "most children per spawn", DefaultValueFactory = _ => TreeLimits.Default.MaxChildrenPerSpawn };
    public Option<int> TorchThreads { get; } = new("--threads") { Description = "libtorch's CPU threads (0 = its default); 1 is often fastest on a busy machine. The CPU decode attention uses every core", DefaultValueFactory = _ => 0 };
    public Option<int> MaxDepth { get; } = new("--max-depth") { Description = "deepest spawn level", DefaultValueFactory = _ => TreeLimits.Default.MaxDepth };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Checkpoint, Device, Temperature, TopK, TopP, ThreadTokens, TotalTokens, MaxChildren, MaxDepth, TorchThreads })
            command.Options.Add(option);
    }

    public SamplingSettings Sampling(ParseResult parse)
    {
        var s = new SamplingSettings(parse.GetValue(Temperature), parse.GetValue(TopK), parse.GetValue(TopP));
        if (s.Temperature < 0) throw new UsageException($"--temperature must be >= 0, got {s.Temperature}");
        if (s.TopK < 0) throw new UsageException($"--top-k must be >= 0, got {s.TopK}");
        if (!(s.TopP > 0 && s.TopP <= 1)) throw new UsageException($"--top-p must be in (0, 1], got {s.TopP}");
        return s;
    }

    /// <summary>Loads the checkpoint the options name onto their device (after applying --threads).</summary>
    public LocalModel Load(ParseResult parse)
    {
        int threads = parse.GetValue(TorchThreads);
        if (threads < 0) throw new UsageException($"--threads must be >= 0, got {threads}");
        if (threads > 0) TorchSharp.torch.set_num_threads(threads);
        return LocalModel.Load(ModelLocation.Resolve(parse.GetValue(Checkpoint)), parse.GetValue(Device)!);
    }

    public TreeLimits Limits(ParseResult parse)
    {
        var limits = new TreeLimits
        {
            MaxTokensPerThread = parse.GetValue(ThreadTokens),
            MaxTotalTokens = parse.GetValue(TotalTokens),
            MaxChildrenPerSpawn = parse.GetValue(MaxChildren),
            MaxDepth = parse.GetValue(MaxDepth),
        };
        return limits.Validate() is { } fault ? throw new UsageException($"limits: {fault}") : limits;
    }
}
