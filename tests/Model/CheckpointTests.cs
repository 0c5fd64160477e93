using AprOrleans.Countdown.Tokenization;
using AprOrleans.Model;
using AprOrleans.Model.Checkpoints;
using static TorchSharp.torch;

namespace AprOrleans.Tests.Model;

public sealed class CheckpointTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("apr-ckpt-").FullName;
    private readonly CountdownTokenizer _tokenizer = CountdownTokenizer.Default;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private ModelConfig Config => ModelTestUtil.Micro(_tokenizer.VocabularySize);

    [Fact]
    public void SaveThenLoadGivesIdenticalLogits()
    {
        using var net = LlamaForCausalLM.Create(Config, seed: 4);
        var dir = Path.Combine(_root, "ckpt");
        ModelCheckpoint.Save(dir, net, _tokenizer);
        Assert.True(File.Exists(Path.Combine(dir, "model.safetensors")));
        Assert.Contains("\"LlamaForCausalLM\"", File.ReadAllText(Path.Combine(dir, "config.json")));

        var (loaded, tokenizer) = ModelCheckpoint.Load(dir);
        using var _ = loaded;
        Assert.Equal(_tokenizer.Tokens, tokenizer.Tokens);
        Assert.Equal(Config with { Preset = "micro" }, loaded.Config);
        using var noGrad = no_grad();
        using var tokens = ModelTestUtil.RandomTokens(2, 16, Config.VocabSize, seed: 2);
        using var expected = net.forward(tokens);
        using var actual = loaded.forward(tokens);
        Assert.Equal(0.0, ModelTestUtil.MaxAbsDiff(expected, actual));
    }

    [Fact]
    public void TensorNamesAreHuggingFaceLlamaNames()
    {
        using var net = LlamaForCausalLM.Create(Config, seed: 4);
        var dir = Path.Combine(_root, "names");
        ModelCheckpoint.Save(dir, net, _tokenizer);
        var path = Path.Combine(dir, "model.safetensors");
        using var stream = File.OpenRead(path);
        var (tensors, _) = SafeTensors.ReadHeader(stream, path);
        var expected = new List<string> { "model.embed_tokens.weight", "model.norm.weight", "lm_head.weight" };
        for (int i = 0; i < Config.NumLayers; i++)
        {
            expected.AddRange(new[] { "q", "k", "v", "o" }.Select(p => $"model.layers.{i}.self_attn.{p}_proj.weight"));
            expected.AddRange(new[] { "gate", "up", "down" }.Select(p => $"model.layers.{i}.mlp.{p}_proj.weight"));
            expected.Add($"model.layers.{i}.input_layernorm.weight");
            expected.Add($"model.layers.{i}.post_attention_layernorm.weight");
        }
        Assert.Equal(expected.Order(StringComparer.Ordinal), tensors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([Config.VocabSize, Config.HiddenSize], tensors["lm_head.weight"].Shape);
        Assert.Equal("F32", tensors["model.norm.weight"].DType);
    }

    [Fact]
    public void MissingTensorIsNamed()
    {
        var dir = SaveWithTensors((name, t) => name == "model.layers.1.mlp.up_proj.weight" ? null : t);
        var e = Assert.Throws<InvalidDataException>(() => ModelCheckpoint.Load(dir));
        Assert.Contains("missing tensor 'model.layers.1.mlp.up_proj.weight'", e.Message);
    }

    [Fact]
    public void WrongShapeIsNamed()
    {
        var dir = SaveWithTensors((name, t) => name == "model.layers.0.self_attn.k_proj.weight" ? t.narrow(0, 0, 8) : t);
        var e = Assert.Throws<InvalidDataException>(() => ModelCheckpoint.Load(dir));
        Assert.Contains("'model.layers.0.self_attn.k_proj.weight'", e.Message);
        Assert.Contains("shape", e.Message);
    }

    [Fact]
    public void MissingConfigFieldIsNamed()
    {
        using var net = LlamaForCausalLM.Create(Config, seed: 4);
        var dir = Path.Combine(_root, "nofield");
        ModelCheckpoint.Save(dir, net, _tokenizer);
        var configPath = Path.Combine(dir, "config.json");
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        json.Remove("intermediate_size");
        File.WriteAllText(configPath, json.ToJsonString());
        var e = Assert.Throws<InvalidDataException>(() => ModelCheckpoint.Load(dir));
        Assert.Contains("'intermediate_size'", e.Message);
    }

    [Fact]
    public void TruncatedFileIsAnError()
    {
        using var net = LlamaForCausalLM.Create(Config, seed: 4);
        var dir = Path.Combine(_root, "truncated");
        ModelCheckpoint.Save(dir, net, _tokenizer);
        var path = Path.Combine(dir, "model.safetensors");
        using (var stream = new FileStream(path, FileMode.Open)) stream.SetLength(stream.Length - 100);
        var e = Assert.Throws<InvalidDataException>(() => ModelCheckpoint.Load(dir));
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void FailedSaveLeavesTheExistingCheckpointIntact()
    {
        using var net = LlamaForCausalLM.Create(Config, seed: 4);
        var dir = Path.Combine(_root, "keep");
        ModelCheckpoint.Save(dir, net, _tokenizer);
        using var tokens = ModelTestUtil.RandomTokens(1, 12, Config.VocabSize, seed: 6);
        using var before = no_grad();
        using var expected = net.forward(tokens);

        // A diverged model: saving must fail (naming the tensor) and leave the old checkpoint untouched.
        var norm = net.named_parameters().First(p => p.name == "model.norm.weight").parameter;
        norm[0] = float.NaN;
        var e = Assert.Throws<InvalidOperationException>(() => ModelCheckpoint.Save(dir, net, _tokenizer));
        Assert.Contains("model.norm.weight", e.Message);

        var (loaded, _) = ModelCheckpoint.Load(dir);
        using var _l = loaded;
        using var actual = loaded.forward(tokens);
        Assert.Equal(0.0, ModelTestUtil.MaxAbsDiff(expected, actual));
        Assert.DoesNotContain(Directory.GetDirectories(_root), d => Path.GetFileName(d).StartsWith('.'));
    }

    [Fact]
    public void BFloat16ModelRunsWithItsRotaryTablesConverted()
    {
        using var fp32 = LlamaForCausalLM.Create(Config, seed: 8);
        using var bf16 = LlamaForCausalLM.Create(Config, seed: 8, CPU, ScalarType.BFloat16);
        Assert.Equal(ScalarType.BFloat16, bf16.DType);
        using var noGrad = no_grad();
        using var tokens = ModelTestUtil.RandomTokens(1, 20, Config.VocabSize, seed: 3);
        using var a = fp32.forward(tokens);
        using var b = bf16.forward(tokens).to(ScalarType.Float32);
        Assert.InRange(ModelTestUtil.MaxAbsDiff(a, b), 0, 0.05);
    }

    /// <summary>Writes a checkpoint whose safetensors holds the transformed tensors (null drops one).</summary>
    private string SaveWithTensors(Func<string, Tensor, Tensor?> transform)
    {
        using var net = LlamaForCausalLM.Create(Config, seed: 4);
        var dir = Path.Combine(_root, Guid.NewGuid().ToString("N"));
        ModelCheckpoint.Save(dir, net, _tokenizer);
        var tensors = net.named_parameters()
            .Select(p => (p.name, t: transform(p.name, p.parameter)))
            .Where(p => p.t is not null)
            .Select(p => (p.name, p.t!))
            .ToList();
        using var stream = File.Create(Path.Combine(dir, "model.safetensors"));
        SafeTensors.Write(stream, tensors);
        return dir;
    }
}
