using AprOrleans.Model.Checkpoints;
using AprOrleans.Tests.K8s;
using static TorchSharp.torch;

namespace AprOrleans.Tests.Service;

/// <summary>
/// The shipped checkpoint and deliberately changed copies of it, as weight blobs to publish: a variant swaps two
/// rows of the LM head (greedy output changes in a known way) and scales layer 0's value projection (so keys and
/// values cached under the old weights would no longer match).
/// </summary>
internal static class WeightVariants
{
    public static string Shipped => RepositoryPaths.ShippedCheckpoint;

    /// <summary>A full checkpoint directory (config, vocabulary, weights) of a variant; its blob is <c>model.safetensors</c>.</summary>
    public static string Write(int swapA, int swapB, float valueScale)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"apr-weight-variant-{Guid.NewGuid():N}");
        var (net, tokenizer) = ModelCheckpoint.Load(Shipped);
        using (net)
        {
            using (no_grad())
            using (NewDisposeScope())
            {
                foreach (var (name, p) in net.named_parameters())
                {
                    if (name == "lm_head.weight")
                    {
                        var a = p[swapA].clone();
                        p[swapA].copy_(p[swapB]);
                        p[swapB].copy_(a);
                    }
                    if (name == "model.layers.0.self_attn.v_proj.weight") p.mul_(valueScale);
                }
            }
            ModelCheckpoint.Save(directory, net, tokenizer);
        }
        return directory;
    }

    public static string Blob(string checkpointDirectory) => Path.Combine(checkpointDirectory, ModelCheckpoint.WeightsFile);

    /// <summary>
    /// A variant whose fp32 weights are already rounded to bf16 (so a reference engine on the checkpoint decodes exactly
    /// what a silo serving the bf16 blob decodes), with that bf16 blob beside them as <see cref="Bf16Blob"/>.
    /// </summary>
    public static string WriteBf16(int swapA, int swapB, float valueScale)
    {
        var directory = Write(swapA, swapB, valueScale);
        var (net, tokenizer) = ModelCheckpoint.Load(directory);
        using (net)
        {
            using (no_grad())
            using (NewDisposeScope())
            {
                foreach (var (_, p) in net.named_parameters()) p.copy_(p.to(ScalarType.BFloat16).to(ScalarType.Float32));
            }
            ModelCheckpoint.Save(directory, net, tokenizer);
            ModelCheckpoint.WriteWeights(Bf16Blob(directory), [.. net.named_parameters().Select(p => (p.name, (Tensor)p.parameter))], ScalarType.BFloat16);
        }
        return directory;
    }

    public static string Bf16Blob(string checkpointDirectory) => Path.Combine(checkpointDirectory, AprOrleans.Trainer.Grpo.PublishedWeights.Bf16File);

    /// <summary>A safetensors file like the shipped weights except that the LM head has one column too many.</summary>
    public static string WriteWrongShape()
    {
        var path = Path.Combine(Path.GetTempPath(), $"apr-wrong-shape-{Guid.NewGuid():N}.safetensors");
        var (net, _) = ModelCheckpoint.Load(Shipped);
        using (net)
        using (var scope = NewDisposeScope())
        {
            var tensors = net.named_parameters()
                .Select(p => (p.name, p.name == "lm_head.weight" ? zeros(p.parameter.shape[0], p.parameter.shape[1] + 1) : (Tensor)p.parameter))
                .ToList();
            using var file = File.Create(path);
            SafeTensors.Write(file, tensors);
        }
        return path;
    }

    public static void Delete(string path)
    {
        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        else File.Delete(path);
    }
}
