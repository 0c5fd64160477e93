using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using AprOrleans.CommandLine;
using AprOrleans.Model;
using AprOrleans.Model.Checkpoints;
using static TorchSharp.torch;

namespace AprOrleans.Bench;

/// <summary>
/// Our model's logits for one token sequence, as JSON <c>{"tokens": [...], "logits": [[...] per position]}</c>, for
/// <c>scripts/hf_compare.py</c> to compare with Hugging Face transformers' LlamaForCausalLM loading the same
/// checkpoint (issue 3's export check; the GPU machine has transformers, this one has no torch for Python).
/// The default sequence is the APR paper's example problem with the start of its search, so the logits are those of
/// real text, not of random ids.
/// Usage: logits --checkpoint DIR --out FILE [--text TEXT] [--device cpu]
/// </summary>
public static class LogitsDump
{
    private const string PaperExample =
        "Moving to Node #0\nCurrent State: 27:[22, 26, 31, 53], Operations: []\n" +
        "Exploring Operation: 53-31=22, Resulting Numbers: [22, 26, 22]\n" +
        "Generated Node #0,0: 27:[22, 26, 22] Operation: 53-31=22\n";

    public static Command Command()
    {
        var checkpoint = ValueOptions.OptionalText("--checkpoint", "checkpoint directory (required)");
        var output = ValueOptions.OptionalText("--out", "JSON file to write (required)");
        var text = ValueOptions.Text("--text", "the sequence (default: the paper's example problem and the start of its search)", PaperExample);
        var device = ValueOptions.Text("--device", "cpu or cuda:N", "cpu");
        var command = new Command("logits", "one sequence's logits as JSON, for scripts/hf_compare.py (transformers' LlamaForCausalLM)")
            { checkpoint, output, text, device };
        command.SetAction(parse => Run(parse.GetValue(checkpoint), parse.GetValue(output), parse.GetValue(text)!, parse.GetValue(device)!));
        return command;
    }

    private static int Run(string? checkpoint, string? output, string text, string deviceName)
    {
        if (checkpoint is null || output is null || !File.Exists(Path.Combine(checkpoint, "model.safetensors")))
            throw new UsageException("--checkpoint DIR (holding model.safetensors) and --out FILE are required");
        var device = DeviceSelection.Parse(deviceName);
        // fp32 on every device: the comparison's tolerance (1e-3) is an fp32 one.
        var (net, tokenizer) = ModelCheckpoint.Load(checkpoint, device, ScalarType.Float32);
        using (net)
        {
            long[] ids = [.. tokenizer.Encode(text, addBos: true).Select(id => (long)id)];
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var logits = net.forward(tensor(ids, [1, ids.Length], device: device))[0].cpu();
            int vocab = (int)logits.shape[1];
            var values = logits.data<float>().ToArray();
            var rows = Enumerable.Range(0, ids.Length).Select(t => values.AsSpan(t * vocab, vocab).ToArray()).ToArray();
            File.WriteAllText(output, JsonSerializer.Serialize(new { tokens = ids, logits = rows }));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"logits: {ids.Length} tokens × {vocab} of {checkpoint} on {device} (fp32) written to {output}"));
        }
        return 0;
    }
}
