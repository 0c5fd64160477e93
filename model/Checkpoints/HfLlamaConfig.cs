using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AprOrleans.Countdown.Tokenization;
using static TorchSharp.torch;

namespace AprOrleans.Model.Checkpoints;

/// <summary>
/// config.json in Hugging Face LlamaConfig form, so transformers' AutoModelForCausalLM loads our checkpoints.
/// The preset name rides along in <c>apr_preset</c> (transformers ignores unknown keys).
/// </summary>
public static class HfLlamaConfig
{
    public static string ToJson(ModelConfig config, CountdownTokenizer tokenizer, ScalarType weightsDType)
    {
        var json = new JsonObject
        {
            ["architectures"] = new JsonArray("LlamaForCausalLM"),
            ["model_type"] = "llama",
            ["apr_preset"] = config.Preset,
            ["hidden_size"] = config.HiddenSize,
            ["intermediate_size"] = config.IntermediateSize,
            ["num_hidden_layers"] = config.NumLayers,
            ["num_attention_heads"] = config.NumHeads,
            ["num_key_value_heads"] = config.NumKeyValueHeads,
            ["head_dim"] = config.HeadDim,
            ["max_position_embeddings"] = config.MaxPositionEmbeddings,
            ["rms_norm_eps"] = config.RmsNormEps,
            ["rope_theta"] = config.RopeTheta,
            ["hidden_act"] = "silu",
            ["attention_bias"] = false,
            ["mlp_bias"] = false,
            ["vocab_size"] = config.VocabSize,
            ["tie_word_embeddings"] = false,
            ["bos_token_id"] = tokenizer.BosId,
            ["eos_token_id"] = tokenizer.EosId,
            ["pad_token_id"] = tokenizer.PadId,
            ["torch_dtype"] = weightsDType == ScalarType.BFloat16 ? "bfloat16" : weightsDType == ScalarType.Float16 ? "float16" : "float32",
        };
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Parses config.json; a missing or wrong field throws naming that field.</summary>
    public static ModelConfig Parse(string json, string path)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException($"{path}: not a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not JSON ({e.Message})");
        }

        T Field<T>(string name)
        {
            var node = root[name] ?? throw new InvalidDataException($"{path}: missing field '{name}'");
            try { return node.GetValue<T>(); }
            catch (Exception e) when (e is InvalidOperationException or FormatException)
            {
                throw new InvalidDataException($"{path}: field '{name}' is not a {typeof(T).Name} ({node.ToJsonString()})");
            }
        }
        double Number(string name)
        {
            var node = root[name] ?? throw new InvalidDataException($"{path}: missing field '{name}'");
            return double.TryParse(node.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                ? value : throw new InvalidDataException($"{path}: field '{name}' is not a number ({node.ToJsonString()})");
        }

        // Optional fields: absent is fine, present with the wrong JSON type is an error naming the field.
        T? Optional<T>(string name, Func<JsonNode, T> read)
        {
            if (root[name] is not { } node) return default;
            try { return read(node); }
            catch (Exception e) when (e is InvalidOperationException or FormatException)
            {
                throw new InvalidDataException($"{path}: field '{name}' has the wrong type ({node.ToJsonString()})");
            }
        }

        var architectures = Optional("architectures", n => n.AsArray().Select(a => a?.GetValue<string>()).ToArray()) ?? [];
        if (!architectures.Contains("LlamaForCausalLM"))
            throw new InvalidDataException($"{path}: field 'architectures' must list LlamaForCausalLM");
        if (Optional("tie_word_embeddings", n => n.GetValue<bool>()))
            throw new InvalidDataException($"{path}: field 'tie_word_embeddings' is true; this model has an untied LM head");
        string preset = Optional("apr_preset", n => n.GetValue<string>()) ?? "custom";
        var config = new ModelConfig(
            preset,
            VocabSize: Field<int>("vocab_size"),
            HiddenSize: Field<int>("hidden_size"),
            NumLayers: Field<int>("num_hidden_layers"),
            NumHeads: Field<int>("num_attention_heads"),
            IntermediateSize: Field<int>("intermediate_size"),
            MaxPositionEmbeddings: Field<int>("max_position_embeddings"),
            RmsNormEps: Number("rms_norm_eps"),
            RopeTheta: Number("rope_theta"));
        int kvHeads = Field<int>("num_key_value_heads");
        if (kvHeads != config.NumHeads)
            throw new InvalidDataException($"{path}: field 'num_key_value_heads' = {kvHeads}: only multi-head attention (= num_attention_heads) is supported");
        try { config.Validate(); }
        catch (ArgumentException e) { throw new InvalidDataException($"{path}: {e.Message}"); }
        return config;
    }
}
