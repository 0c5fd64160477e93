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
    public void The_saved_digest_is_the_sha256_of_the_weights_file_and_is_ignored_once_the_file_is_rewritten()
    {
        using var net = LlamaForCausalLM.Create(Config, seed: 4);
        var dir = Path.Combine(_root, "digest");
        ModelCheckpoint.Save(dir, net, _tokenizer);
        var weights = Path.Combine(dir, ModelCheckpoint.WeightsFile);
        var actual = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(weights)));
        Assert.Equal(actual, WeightsDigest.TryRead(weights));
        Assert.Equal($"{actual}  model.safetensors\n", File.ReadAllText(Path.Combine(dir, "model.safetensors.sha256")));

        File.SetLastWriteTimeUtc(weights, File.GetLastWriteTimeUtc(WeightsDigest.PathFor(weights)).AddSeconds(5));
        Assert.Null(WeightsDigest.TryRead(weights));
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

public sealed class HuggingFaceReferenceTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("apr-hfref-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void IndependentTransformersStyleForwardGivesTheSameLogits()
    {
        // scripts/llama_reference.py re-implements transformers' Llama math (rotate_half RoPE) in plain Python and
        // reads the checkpoint with its own safetensors reader: agreement checks names, layouts and the RoPE layout.
        var tokenizer = CountdownTokenizer.Default;
        var config = new ModelConfig("micro", tokenizer.VocabularySize, HiddenSize: 32, NumLayers: 2, NumHeads: 4, IntermediateSize: 48, MaxPositionEmbeddings: 64);
        using var net = LlamaForCausalLM.Create(config, seed: 12);
        // Larger weights than the N(0, 0.02) init so that attention and RoPE visibly shape the logits.
        using (no_grad())
            foreach (var (name, p) in net.named_parameters())
                if (!name.EndsWith("norm.weight", StringComparison.Ordinal)) p.mul_(10);
        var dir = Path.Combine(_root, "ckpt");
        ModelCheckpoint.Save(dir, net, tokenizer);
        long[] ids = [1, 40, 7, 93, 12, 55, 101, 3];

        var script = Path.Combine(RepositoryPaths.Root, "scripts", "llama_reference.py");
        var psi = new System.Diagnostics.ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add(dir);
        foreach (var id in ids) psi.ArgumentList.Add(id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var process = System.Diagnostics.Process.Start(psi)!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, error);
        var reference = System.Text.Json.JsonSerializer.Deserialize<double[][]>(output)!;

        using var tokens = tensor(ids, [1, ids.Length]);
        using var noGrad = no_grad();
        using var logits = net.forward(tokens);
        var ours = logits[0].data<float>().ToArray();
        double maxDiff = 0, spread = 0;
        for (int t = 0; t < ids.Length; t++)
            for (int v = 0; v < config.VocabSize; v++)
            {
                maxDiff = Math.Max(maxDiff, Math.Abs(ours[t * config.VocabSize + v] - reference[t][v]));
                spread = Math.Max(spread, Math.Abs(reference[t][v]));
            }
        Assert.True(spread > 0.5, $"logits too small to be a meaningful comparison ({spread})");
        Assert.True(maxDiff <= 1e-4, $"max |Δ| = {maxDiff}");
    }
}
