using AprOrleans.Model;
using AprOrleans.Model.Checkpoints;
using static TorchSharp.torch;

namespace AprOrleans.Trainer.Grpo;

/// <summary>
/// The weights file of a GRPO checkpoint that goes to the silos: the fp32 master weights themselves, or a bf16 copy
/// written into the checkpoint beside them (with its own digest) when the run publishes bf16.
/// </summary>
public static class PublishedWeights
{
    public const string Bf16File = "model.bf16.safetensors";

    public static string PathIn(string checkpoint, string publishDType) =>
        Path.Combine(checkpoint, publishDType == "bf16" ? Bf16File : ModelCheckpoint.WeightsFile);

    /// <summary>Writes the bf16 copy into a checkpoint being saved (its temporary directory); nothing for fp32.</summary>
    public static void WriteExtra(string checkpointDirectory, LlamaForCausalLM policy, string publishDType)
    {
        if (publishDType != "bf16") return;
        var parameters = policy.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).ToList();
        ModelCheckpoint.WriteWeights(Path.Combine(checkpointDirectory, Bf16File), parameters, ScalarType.BFloat16);
    }
}
