using System.Text.Json;
using AprOrleans.Countdown.Tokenization;
using AprOrleans.Model;
using AprOrleans.Model.Checkpoints;
using static TorchSharp.torch;

namespace AprOrleans.Trainer;

/// <summary>
/// What SFT and GRPO checkpoints share: {out}/checkpoints/step-NNNNNNNN holding the model (safetensors + config +
/// vocabulary), the optimizer's state, a JSON state file with the torch RNG state, written atomically; and reading
/// that JSON back with errors that name the file.
/// </summary>
public static class TrainingCheckpoint
{
    public static string PathFor(string runOut, int step) => Path.Combine(runOut, "checkpoints", $"step-{step:D8}");

    /// <summary>The torch RNG state as base64 (for the state file).</summary>
    public static string CaptureRng()
    {
        using var rng = get_rng_state();
        return Convert.ToBase64String(rng.bytes);
    }

    public static void RestoreRng(string base64)
    {
        using var rng = tensor(Convert.FromBase64String(base64));
        set_rng_state(rng);
    }

    /// <param name="moreFiles">Writes further files into the checkpoint's temporary directory before it is moved into place.</param>
    public static string Save(string directory, LlamaForCausalLM model, CountdownTokenizer tokenizer, FlatAdamW optimizer, string stateFileName,
        string stateJson, Action<string>? moreFiles = null)
    {
        ModelCheckpoint.Save(directory, model, tokenizer, temp =>
        {
            optimizer.Save(temp);
            File.WriteAllText(Path.Combine(temp, stateFileName), stateJson);
            moreFiles?.Invoke(temp);
        });
        return directory;
    }

    public static T ReadState<T>(string directory, string fileName, string what, JsonSerializerOptions options)
    {
        var path = Path.Combine(directory, fileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"{directory}: no {fileName} (not a {what} checkpoint)", path);
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path), options) ?? throw new InvalidDataException($"{path}: empty {what} state");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: malformed {what} state ({e.Message})");
        }
    }
}
