using AprOrleans.Countdown.Tokenization;
using AprOrleans.Reasoning.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace AprOrleans.Model.Checkpoints;

/// <summary>
/// A model checkpoint directory: <c>model.safetensors</c> (Hugging Face Llama tensor names), <c>config.json</c>
/// (LlamaConfig), <c>vocab.json</c> (the tokenizer). Saving builds the whole directory under a temporary
/// sibling name and renames it into place, so a failure never leaves a half-written checkpoint nor replaces
/// an existing one. Extra files (a trainer's optimizer state) can be added through <c>extraFiles</c> and land
/// in the same atomic rename.
/// </summary>
public static class ModelCheckpoint
{
    public const string WeightsFile = "model.safetensors", ConfigFile = "config.json", VocabularyFile = "vocab.json";

    /// <summary>Saves atomically; <paramref name="extraFiles"/> writes more files into the temporary directory first.</summary>
    public static void Save(string directory, LlamaForCausalLM net, CountdownTokenizer tokenizer, Action<string>? extraFiles = null)
    {
        var target = Path.GetFullPath(directory);
        var parent = Path.GetDirectoryName(target.TrimEnd(Path.DirectorySeparatorChar))!;
        Directory.CreateDirectory(parent);
        var name = Path.GetFileName(target.TrimEnd(Path.DirectorySeparatorChar));
        var temp = Path.Combine(parent, $".{name}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            var parameters = net.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).ToList();
            CheckFinite(parameters);
            File.WriteAllText(Path.Combine(temp, ConfigFile), HfLlamaConfig.ToJson(net.Config, tokenizer, net.DType));
            tokenizer.Save(Path.Combine(temp, VocabularyFile));
            WriteWeights(Path.Combine(temp, WeightsFile), parameters);
            extraFiles?.Invoke(temp);
            ReplaceDirectory(temp, target);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>
    /// Writes <paramref name="parameters"/> as a safetensors file at <paramref name="path"/> (in <paramref name="dtype"/>
    /// when given) and its digest beside it. Hashed while written: publishing the weights needs their SHA-256, and a
    /// second pass over a 0.9 GB file costs seconds.
    /// </summary>
    public static void WriteWeights(string path, IReadOnlyList<(string Name, Tensor Tensor)> parameters, ScalarType? dtype = null)
    {
        using var file = new HashingFileWriter(path, 1 << 20);
        SafeTensors.Write(file, parameters, new Dictionary<string, string> { ["format"] = "pt" }, dtype);
        file.FlushToDisk();
        WeightsDigest.Write(path, file.Sha256());
    }

    /// <summary>
    /// Loads a checkpoint onto <paramref name="device"/> (CPU when null) in <paramref name="dtype"/> (
    /// fp32 when null). Every parameter must be present with its exact shape; errors name the tensor or field.
    /// </summary>
    public static (LlamaForCausalLM Model, CountdownTokenizer Tokenizer) Load(string directory, Device? device = null, ScalarType? dtype = null)
    {
        var config = ReadConfig(directory);
        var configPath = Path.Combine(directory, ConfigFile);
        var vocabPath = Path.Combine(directory, VocabularyFile);
        var tokenizer = File.Exists(vocabPath) ? CountdownTokenizer.Load(vocabPath) : throw new FileNotFoundException($"{directory}: no {VocabularyFile}", vocabPath);
        if (tokenizer.VocabularySize != config.VocabSize)
            throw new InvalidDataException($"{configPath}: field 'vocab_size' = {config.VocabSize} but {VocabularyFile} has {tokenizer.VocabularySize} tokens");

        var net = new LlamaForCausalLM(config, CPU);
        try
        {
            LoadWeights(Path.Combine(directory, WeightsFile), net);
            var storedDType = net.DType;
            var wanted = dtype ?? storedDType;
            if (device is not null && device.type != DeviceType.CPU || wanted != ScalarType.Float32)
            {
                net.to(device ?? CPU, wanted);
                net.DetachFromDisposeScopes();
            }
            return (net, tokenizer);
        }
        catch
        {
            net.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Null when <paramref name="given"/> holds exactly the tensors of <paramref name="expected"/> (name → shape) with
    /// the same shapes, else the first difference: a missing tensor, a wrong shape or a tensor the model does not have.
    /// </summary>
    public static string? LayoutMismatch(IReadOnlyDictionary<string, long[]> expected, IReadOnlyDictionary<string, SafeTensorInfo> given)
    {
        foreach (var (name, shape) in expected)
        {
            if (!given.TryGetValue(name, out var info)) return $"missing tensor '{name}'";
            if (!info.Shape.SequenceEqual(shape))
                return $"tensor '{name}' has shape [{string.Join(", ", info.Shape)}], expected [{string.Join(", ", shape)}]";
        }
        var unexpected = given.Keys.FirstOrDefault(name => !expected.ContainsKey(name));
        return unexpected is null ? null : $"unexpected tensor '{unexpected}' (not a parameter of the model)";
    }

    /// <summary>Copies the file's tensors into <paramref name="net"/>'s parameters (shapes must match exactly).</summary>
    /// <summary>The model shape a checkpoint directory's config.json describes, without reading any weights.</summary>
    public static ModelConfig ReadConfig(string directory)
    {
        var configPath = Path.Combine(directory, ConfigFile);
        if (!File.Exists(configPath)) throw new FileNotFoundException($"{directory}: no {ConfigFile}", configPath);
        return HfLlamaConfig.Parse(File.ReadAllText(configPath), configPath);
    }

    public static void LoadWeights(string path, LlamaForCausalLM net)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"no weights file {path}", path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        var (tensors, dataStart) = SafeTensors.ReadHeader(stream, path);
        var parameters = net.named_parameters().ToList();
        if (LayoutMismatch(parameters.ToDictionary(p => p.name, p => p.parameter.shape, StringComparer.Ordinal), tensors) is { } mismatch)
            throw new InvalidDataException($"{path}: {mismatch}");

        using var noGrad = no_grad();
        foreach (var (name, parameter) in parameters)
        {
            using var scope = NewDisposeScope();
            SafeTensors.ReadInto(stream, dataStart, tensors[name], parameter, path);
        }
    }

    private static void CheckFinite(IEnumerable<(string Name, Tensor Tensor)> parameters)
    {
        // A diverged model must not replace a good checkpoint.
        foreach (var (name, t) in parameters)
        {
            using var scope = NewDisposeScope();
            if (!t.isfinite().all().item<bool>()) throw new InvalidOperationException($"tensor '{name}' has non-finite values; checkpoint not written");
        }
    }

    /// <summary>Moves <paramref name="source"/> to <paramref name="target"/>, replacing an existing directory only
    /// after the new one is complete (the old one is renamed aside first, then deleted).</summary>
    internal static void ReplaceDirectory(string source, string target)
    {
        if (!Directory.Exists(target))
        {
            Directory.Move(source, target);
            return;
        }
        var parent = Path.GetDirectoryName(target)!;
        var aside = Path.Combine(parent, $".{Path.GetFileName(target)}.old-{Guid.NewGuid():N}");
        Directory.Move(target, aside);
        try
        {
            Directory.Move(source, target);
        }
        catch
        {
            Directory.Move(aside, target);
            throw;
        }
        TryDelete(aside);
    }

    private static void TryDelete(string directory)
    {
        try { if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true); }
        catch (IOException) { /* best effort: temporary names are unique */ }
        catch (UnauthorizedAccessException) { /* same */ }
    }
}
