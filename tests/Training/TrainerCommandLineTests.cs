using AprOrleans.CommandLine;
using AprOrleans.Trainer.Cli;
using AprOrleans.Trainer.Grpo;

namespace AprOrleans.Tests.Training;

/// <summary>
/// `trainer` parses as apr and bench do (System.CommandLine through AprOrleans.CommandLine): a bad command line exits
/// 2 with one line naming what is wrong, before any work; the verbs and their option names are the ones scripts,
/// manifests and trainer/README.md use.
/// </summary>
public sealed class TrainerCommandLineTests
{
    [Theory]
    [InlineData(new string[0], "trainer: expected a command: sft, grpo, grow, average")]
    [InlineData(new[] { "train" }, "trainer: unknown command 'train' (known: sft, grpo, grow, average)")]
    [InlineData(new[] { "sft", "--stpes", "3" }, "trainer sft: unknown option --stpes (known: --accumulate, ")]
    [InlineData(new[] { "sft", "--steps" }, "trainer sft: option --steps needs a value")]
    [InlineData(new[] { "sft", "--out", "--steps", "3" }, "trainer sft: option --out needs a value")]
    [InlineData(new[] { "sft", "--steps", "1", "--steps", "2" }, "trainer sft: option --steps given twice")]
    [InlineData(new[] { "sft", "--lr", "1,5" }, "trainer sft: --lr '1,5': expected a number")]
    [InlineData(new[] { "sft", "--lr", "NaN" }, "trainer sft: --lr 'NaN': expected a number")]
    [InlineData(new[] { "sft", "--numbers", "7" }, "trainer sft: --numbers 7: expected 2..6")]
    [InlineData(new[] { "sft", "8" }, "trainer sft: unexpected argument '8'")]
    [InlineData(new[] { "grow", "--seed", "x" }, "trainer grow: --seed 'x': expected an integer")]
    [InlineData(new[] { "average", "--weights" }, "trainer average: option --weights needs a value")]
    [InlineData(new[] { "grpo", "--silo", "http://h:1", "--inner-updates", "65" }, "trainer grpo: --inner-updates 65: expected 1..64")]
    public void A_bad_command_line_exits_2_with_one_line_naming_it(string[] args, string expected)
    {
        var (code, output, error) = TrainerVerb.Run(args);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.StartsWith(expected, Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Theory]
    [InlineData("sft", "--demos", "--token-budget-step")]
    [InlineData("grpo", "--silo", "--shared-weights")]
    [InlineData("grow", "--from", "--context")]
    [InlineData("average", "--from", "--weights")]
    public void Help_lists_a_verbs_options_and_exits_0(string verb, string first, string last)
    {
        var (code, output, error) = TrainerVerb.Run(verb, ["--help"]);
        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Contains($" {verb} [options]", output);
        Assert.Contains(first, output);
        Assert.Contains(last, output);
    }

    /// <summary>The option names before System.CommandLine (trainer/README.md, scripts, k8s manifests): none renamed, none lost.</summary>
    [Theory]
    [InlineData("sft", "--demos --numbers --solver --preset --device --steps --batch-tokens --accumulate --lr --weight-decay --warmup --seed --out --eval-every " +
                       "--save-every --log-every --resume --threads --init --precision --exclude --context --budget-prefix --token-budget-step")]
    [InlineData("grpo", "--silo --experiment --token --init --resume --out --device --lr --variant --kl-beta --inner-updates --staleness " +
                        "--micro-batch-tokens --seed --threads --until-step --publish-dtype --max-start-gap --precision --shared-weights")]
    [InlineData("grow", "--from --preset --out --context --seed")]
    [InlineData("average", "--from --weights --out")]
    public void Every_verb_keeps_its_option_names(string verb, string names)
    {
        var command = TrainerCli.Build(TextWriter.Null, TextWriter.Null).Subcommands.Single(c => c.Name == verb);
        Assert.Equal(names.Split(' ').Order(StringComparer.Ordinal), command.Options.Select(o => o.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_value_starting_with_an_at_sign_is_a_value_not_a_response_file()
    {
        string[] args = ["--silo", "http://127.0.0.1:1", "--experiment", "e", "--init", RepositoryPaths.ShippedCheckpoint, "--out", "@runs"];
        Assert.Equal("@runs", GrpoCommand.Parse(args, "t").Settings.Out);
    }

    [Fact]
    public void Grpo_parse_errors_are_usage_exceptions_naming_the_option()
    {
        var e = Assert.Throws<UsageException>(() => GrpoCommand.Parse(["--silo", "http://h:1", "--lr", "fast"], "t"));
        Assert.Equal("--lr 'fast': expected a number", e.Message);
    }
}
