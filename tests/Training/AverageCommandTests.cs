using AprOrleans.Countdown.Tokenization;
using AprOrleans.Model;
using AprOrleans.Model.Checkpoints;
using AprOrleans.Tests.Model;
using static TorchSharp.torch;

namespace AprOrleans.Tests.Training;

public sealed class AverageCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("apr-averagecli-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args) => TrainerVerb.Run("average", args);

    private string SaveCheckpoint(string name, long seed, string preset = "tiny")
    {
        var directory = Path.Combine(_root, name);
        var tokenizer = CountdownTokenizer.Default;
        using var net = LlamaForCausalLM.Create(ModelConfig.FromPreset(preset, tokenizer.VocabularySize), seed);
        ModelTestUtil.LookTrained(net, std: 0.1, seed: (ulong)seed + 100);
        ModelCheckpoint.Save(directory, net, tokenizer);
        return directory;
    }

    private static Dictionary<string, float[]> Parameters(string directory)
    {
        var (net, _) = ModelCheckpoint.Load(directory);
        using (net)
            return net.named_parameters().ToDictionary(p => p.name, p => p.parameter.data<float>().ToArray());
    }

    [Fact]
    public void Every_parameter_is_the_weighted_mean_of_the_sources()
    {
        string a = SaveCheckpoint("a", 1), b = SaveCheckpoint("b", 2), c = SaveCheckpoint("c", 3);
        var output = Path.Combine(_root, "avg");
        var (code, stdout, stderr) = Run("--from", $"{a},{b},{c}", "--weights", "2,1,1", "--out", output);
        Assert.True(code == 0, stderr);
        Assert.Contains("0.5 ×", stdout);

        var (pa, pb, pc, averaged) = (Parameters(a), Parameters(b), Parameters(c), Parameters(output));
        Assert.Equal(pa.Keys.Order(), averaged.Keys.Order());
        foreach (var (name, values) in averaged)
        {
            for (int i = 0; i < values.Length; i += 7)
                Assert.Equal(0.5f * pa[name][i] + 0.25f * pb[name][i] + 0.25f * pc[name][i], values[i], 1e-5f);
        }
        Assert.NotEqual(pa["lm_head.weight"][0], averaged["lm_head.weight"][0]);
    }

    [Fact]
    public void Huge_weights_are_scaled_before_they_are_summed()
    {
        string a = SaveCheckpoint("a", 1), b = SaveCheckpoint("b", 2);
        var output = Path.Combine(_root, "avg");
        Assert.Equal(0, Run("--from", $"{a},{b}", "--weights", "1e308,1e308", "--out", output).Code);
        var (pa, pb, averaged) = (Parameters(a), Parameters(b), Parameters(output));
        Assert.Equal((pa["lm_head.weight"][5] + pb["lm_head.weight"][5]) / 2, averaged["lm_head.weight"][5], 1e-6f);
    }

    [Fact]
    public void Equal_weights_are_the_default_and_the_average_loads_as_a_model()
    {
        string a = SaveCheckpoint("a", 1), b = SaveCheckpoint("b", 2);
        var output = Path.Combine(_root, "avg");
        Assert.Equal(0, Run("--from", $"{a},{b}", "--out", output).Code);
        var (pa, pb, averaged) = (Parameters(a), Parameters(b), Parameters(output));
        var name = "model.embed_tokens.weight";
        Assert.Equal((pa[name][3] + pb[name][3]) / 2, averaged[name][3], 1e-6f);

        var (net, _) = ModelCheckpoint.Load(output);
        using (net)
        using (var scope = NewDisposeScope())
        using (var tokens = ModelTestUtil.RandomTokens(1, 20, net.Config.VocabSize, seed: 5))
        using (var logits = net.forward(tokens))
            Assert.True(logits.isfinite().all().item<bool>());
    }

    [Theory]
    [InlineData("--out", "OUT")]
    [InlineData("--from", "A,B", "--weights", "1,1,1", "--out", "OUT")]
    [InlineData("--from", "A", "--out", "OUT")]
    [InlineData("--from", "A,", "--out", "OUT")]
    [InlineData("--from", "A,B")]
    [InlineData("--from", "A,nowhere", "--out", "OUT")]
    [InlineData("--from", "A,SMALL", "--out", "OUT")]
    [InlineData("--from", "A,B", "--weights", "1", "--out", "OUT")]
    [InlineData("--from", "A,B", "--weights", "1,-1", "--out", "OUT")]
    [InlineData("--from", "A,B", "--weights", "1,x", "--out", "OUT")]
    [InlineData("--from", "A,B", "--out", "A")]
    [InlineData("--from", "A,B", "--out", "ROOT")]
    public void Bad_options_exit_2_saying_what_is_wrong(params string[] args)
    {
        string a = SaveCheckpoint("a", 1), b = SaveCheckpoint("b", 2), small = SaveCheckpoint("small", 3, "small");
        var output = Path.Combine(_root, "out");
        string Placeholder(string piece) => piece switch { "A" => a, "B" => b, "SMALL" => small, "ROOT" => _root, "OUT" => output, _ => piece };
        var (code, _, error) = Run([.. args.Select(arg => string.Join(',', arg.Split(',').Select(Placeholder)))]);
        Assert.Equal(2, code);
        Assert.StartsWith("trainer average: --", error);
        Assert.False(Directory.Exists(output));
        Assert.True(File.Exists(Path.Combine(a, ModelCheckpoint.WeightsFile)), "the sources must survive");
    }
}
