using AprOrleans.Bench;

namespace AprOrleans.Tests.Bench;

/// <summary>
/// A mistyped bench option, a missing value or an unparsable number exits 2 naming it, before any work; bench parses
/// as apr and trainer do, and its verbs keep their option names.
/// </summary>
[Collection(ConsoleCollection.Name)]
public class BenchCommandLineTests
{
    [Theory]
    [InlineData(new[] { "sft", "--stpes", "3" }, "bench sft: unknown option --stpes (known: ")]
    [InlineData(new[] { "kv-step", "--batch" }, "bench kv-step: option --batch needs a value")]
    [InlineData(new[] { "decode", "64" }, "bench decode: unexpected argument '64'")]
    [InlineData(new[] { "kv-step", "--batch", "many" }, "bench kv-step: --batch 'many': expected an integer")]
    [InlineData(new[] { "kv-step", "--batch", "1", "--batch", "2" }, "bench kv-step: option --batch given twice")]
    [InlineData(new[] { "overload", "--max-budget-share", "a tenth" }, "bench overload: --max-budget-share 'a tenth': expected a number")]
    [InlineData(new[] { "sft", "--preset", "--phases" }, "bench sft: option --preset needs a value")]
    [InlineData(new[] { "sft", "--accumulate", "0" }, "bench sft: --accumulate 0: expected 1..")]
    [InlineData(new[] { "weight-sync", "--shared", "yes" }, "bench weight-sync: unexpected argument 'yes'")]
    [InlineData(new[] { "decode", "--batches", "1,x" }, "bench decode: --batches '1,x': expected positive integers separated by commas")]
    [InlineData(new[] { "decode", "--kv-layout", "pages" }, "bench decode: --kv-layout 'pages': expected paged or regions")]
    [InlineData(new[] { "decode", "--paged-attention", "yes" }, "bench decode: --paged-attention 'yes': expected on or off")]
    [InlineData(new[] { "kv-step", "--fuse", "true" }, "bench kv-step: --fuse 'true': expected on or off")]
    [InlineData(new[] { "eval", "--n", "2" }, "bench eval: --checkpoint DIR and --problems FILE")]
    [InlineData(new[] { "demo" }, "bench: unknown command 'demo' (known: demos, sft, ")]
    [InlineData(new string[0], "bench: expected a command: demos, sft, ")]
    public void Bad_arguments_exit_2_with_one_line_naming_them(string[] args, string expected)
    {
        var (code, output, error) = Run(args);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith(expected, line);
    }

    [Fact]
    public void Help_lists_a_verbs_options_with_their_defaults_and_exits_0()
    {
        var (code, output, error) = Run(["kv-step", "--help"]);
        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Matches(@"--batch <N>\s+rows per decode step \[default: 64\]", output);
    }

    /// <summary>The verbs and option names before System.CommandLine (bench/README.md, scripts/gpu_checks.sh): none renamed, none lost.</summary>
    [Theory]
    [InlineData("demos", "--count --numbers --solver --threads")]
    [InlineData("sft", "--preset --steps --warmup --batch-tokens --accumulate --device --precision --numbers --threads --phases")]
    [InlineData("service-load", "--checkpoint --concurrency --seconds --thread-tokens --threads --attention-threads --repeats --start-with --warmup-seconds")]
    [InlineData("overload", "--checkpoint --concurrency --seconds --max-budget-share --thread-tokens")]
    [InlineData("kv-step", "--preset --batch --prompt --steps --warmup --threads --fuse")]
    [InlineData("decode", "--preset --batches --prompt --new --device --threads --attention-threads --rounds --min-seconds --paged-attention --kv-layout")]
    [InlineData("eval", "--checkpoint --problems --mode --n --device --concurrency --temperature")]
    [InlineData("logits", "--checkpoint --out --text --device")]
    [InlineData("grpo-step", "--checkpoint --problems --count --group --groups --save-groups --micro-batch-tokens --packing --repeats --device --threads")]
    [InlineData("weight-sync", "--preset --repeats --postgres --silos --blob-dtype --shared")]
    [InlineData("weight-delta", "--weights --lr --seed")]
    public void Every_verb_keeps_its_option_names(string verb, string names)
    {
        var command = BenchMain.Build().Subcommands.Single(c => c.Name == verb);
        Assert.Equal(names.Split(' ').Order(StringComparer.Ordinal), command.Options.Select(o => o.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_verbs_are_the_ones_the_readme_names_in_their_order()
    {
        Assert.Equal(["demos", "sft", "service-load", "overload", "kv-step", "decode", "eval", "logits", "grpo-step", "weight-sync", "weight-delta"],
            BenchMain.Build().Subcommands.Select(c => c.Name));
    }

    private static (int Code, string Out, string Err) Run(string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var (previousOut, previousError) = (Console.Out, Console.Error);
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            return (BenchMain.Run(args), output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(previousOut);
            Console.SetError(previousError);
        }
    }
}

/// <summary>Tests that redirect the process's Console.Error run alone, so no other test's output lands in theirs.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCollection
{
    public const string Name = "console";
}
