using AprOrleans.Bench;

namespace AprOrleans.Tests.Bench;

/// <summary>A mistyped bench option, a missing value or an unparsable number exits 2 naming it, before any work.</summary>
[Collection(ConsoleCollection.Name)]
public class BenchCommandLineTests
{
    [Theory]
    [InlineData(new[] { "sft", "--stpes", "3" }, "bench sft: unknown option --stpes (known: ")]
    [InlineData(new[] { "kv-step", "--batch" }, "bench kv-step: option --batch needs a value")]
    [InlineData(new[] { "decode", "64" }, "bench decode: unexpected argument '64'")]
    [InlineData(new[] { "kv-step", "--batch", "many" }, "bench kv-step: option --batch: 'many' is not an integer")]
    public void Bad_arguments_exit_2_with_one_line_naming_them(string[] args, string expected)
    {
        var error = new StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        try
        {
            Assert.Equal(2, BenchMain.Run(args));
        }
        finally
        {
            Console.SetError(previous);
        }
        var line = Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith(expected, line);
    }

    [Fact]
    public void Declared_options_with_values_and_flags_pass_the_check()
    {
        var options = BenchOptions.Of("--preset", "--steps").WithFlags("--phases");
        Assert.Null(options.Check(["--preset", "tiny", "--phases", "--steps", "3"]));
        Assert.Equal("option --steps needs a value", options.Check(["--steps", "--phases"]));
    }
}

/// <summary>Tests that redirect the process's Console.Error run alone, so no other test's output lands in theirs.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCollection
{
    public const string Name = "console";
}
