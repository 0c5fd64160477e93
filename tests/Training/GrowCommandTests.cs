using AprOrleans.Countdown.Tokenization;
using AprOrleans.Model;
using AprOrleans.Model.Checkpoints;
using AprOrleans.Model.Growth;
using AprOrleans.Tests.Model;

namespace AprOrleans.Tests.Training;

public sealed class GrowCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("apr-growcli-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args) => TrainerVerb.Run("grow", args);

    private string SaveTinyCheckpoint()
    {
        var directory = Path.Combine(_root, "tiny");
        var tokenizer = CountdownTokenizer.Default;
        using var net = LlamaForCausalLM.Create(ModelConfig.FromPreset("tiny", tokenizer.VocabularySize), seed: 4);
        ModelTestUtil.LookTrained(net, std: 0.1, seed: 8);
        ModelCheckpoint.Save(directory, net, tokenizer);
        return directory;
    }

    [Fact]
    public void A_grown_checkpoint_computes_the_same_logits_and_trains_as_its_preset()
    {
        var tiny = SaveTinyCheckpoint();
        var grown = Path.Combine(_root, "small");
        var (code, output, error) = Run("--from", tiny, "--preset", "small", "--out", grown);
        Assert.True(code == 0, error);
        Assert.Contains("max |Δ logit|", output);

        var (source, _) = ModelCheckpoint.Load(tiny);
        var (loaded, _) = ModelCheckpoint.Load(grown);
        using (source)
        using (loaded)
        using (var tokens = ModelTestUtil.RandomTokens(2, 50, source.Config.VocabSize, seed: 9))
        {
            Assert.Equal("small", loaded.Config.Preset);
            Assert.Equal(source.Config.MaxPositionEmbeddings, loaded.Config.MaxPositionEmbeddings);
            Assert.True(ModelGrowth.MaxLogitDifference(source, loaded, tokens) < 1e-4);
        }

        // It trains as the preset it was grown into without naming it again: --init brings its preset.
        var (sft, stdout, stderr) = TrainerVerb.Run("sft", ["--init", grown, "--numbers", "3", "--steps", "2", "--batch-tokens", "512",
            "--eval-every", "0", "--save-every", "0", "--out", Path.Combine(_root, "run")]);
        Assert.True(sft == 0, stderr);
        Assert.Contains("preset small", stdout);
    }

    [Theory]
    [InlineData("--preset", "small", "--out", "x")]
    [InlineData("--from", "TINY", "--out", "x")]
    [InlineData("--from", "TINY", "--preset", "huge", "--out", "x")]
    [InlineData("--from", "TINY", "--preset", "tiny", "--out", "x", "--context", "0")]
    [InlineData("--from", "nowhere", "--preset", "small", "--out", "x")]
    [InlineData("--from", "TINY", "--preset", "small")]
    [InlineData("--from", "TINY", "--preset", "small", "--out", "TINY")]
    [InlineData("--from", "TINY", "--preset", "small", "--out", "ROOT")]
    public void Bad_options_exit_2_saying_what_is_wrong(params string[] args)
    {
        var tiny = SaveTinyCheckpoint();
        var out_ = Path.Combine(_root, "out");
        var (code, _, error) = Run([.. args.Select(a => a switch { "TINY" => tiny, "ROOT" => _root, "x" => out_, _ => a })]);
        Assert.Equal(2, code);
        Assert.StartsWith("trainer grow: --", error);
        Assert.False(Directory.Exists(out_));
        Assert.True(File.Exists(Path.Combine(tiny, ModelCheckpoint.WeightsFile)), "the source must survive");
    }

    [Fact]
    public void A_context_shorter_than_the_check_sequences_still_checks_and_saves()
    {
        var tiny = SaveTinyCheckpoint();
        var grown = Path.Combine(_root, "short");
        var (code, _, error) = Run("--from", tiny, "--preset", "small", "--out", grown, "--context", "64");
        Assert.True(code == 0, error);
        var (loaded, _) = ModelCheckpoint.Load(grown);
        using (loaded) Assert.Equal(64, loaded.Config.MaxPositionEmbeddings);
    }

    [Fact]
    public void A_smaller_preset_is_refused_naming_the_field()
    {
        var tiny = SaveTinyCheckpoint();
        var small = Path.Combine(_root, "small");
        Assert.Equal(0, Run("--from", tiny, "--preset", "small", "--out", small).Code);
        var (code, _, error) = Run("--from", small, "--preset", "tiny", "--out", Path.Combine(_root, "back"));
        Assert.Equal(2, code);
        Assert.Contains("'hidden_size'", error);
    }
}
