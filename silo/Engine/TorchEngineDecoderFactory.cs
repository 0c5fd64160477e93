using AprOrleans.Grains.Decoding;
using AprOrleans.Model.Engine;
using AprOrleans.Reasoning.Runtime;
using AprOrleans.Silo.Hosting;

namespace AprOrleans.Silo.Engine;

/// <summary>
/// The silo's real inference: each batching grain gets a continuous-batching <see cref="DecodeEngine"/> running the
/// configured checkpoint on its device (<c>cpu:0</c> → the CPU, <c>cuda:N</c> → that GPU). The engine is created
/// when the grain activates and disposed when it deactivates, so a device's model and KV cache live exactly as
/// long as its grain.
/// </summary>
public sealed class TorchEngineDecoderFactory(SiloSettings settings) : IDecoderFactory
{
    public IThreadDecoder Create(string device)
    {
        var checkpoint = ResolveCheckpoint(settings.Checkpoint);
        var local = LocalModel.Load(checkpoint, TorchDevice(device), Options(settings));
        return local.Engine;
    }

    /// <summary>The engine options the silo's settings describe (validated by <see cref="SiloSettings.Validate"/>).</summary>
    public static EngineOptions Options(SiloSettings settings) => new()
    {
        Slots = settings.EngineSlots,
        ContextTokens = settings.EngineContextTokens,
        MaxPrefillTokens = Math.Max(8192, settings.EngineContextTokens),
        AttentionThreads = settings.AttentionThreads > 0 ? settings.AttentionThreads : null,
        KvLayout = KvLayoutSetting.Layout(settings),
        RegionTiers = KvLayoutSetting.Tiers(settings.RegionTiers),
        FuseProjections = settings.FuseProjections,
    };

    /// <summary>Orleans device names carry an index for every device (<c>cpu:0</c>); TorchSharp's CPU has none.</summary>
    public static string TorchDevice(string device) => device.StartsWith("cpu", StringComparison.Ordinal) ? "cpu" : device;

    /// <summary>A relative checkpoint path is looked up beside the silo binary, then in the working directory.</summary>
    public static string ResolveCheckpoint(string path)
    {
        if (Path.IsPathRooted(path)) return Existing(path);
        foreach (var root in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            var candidate = Path.Combine(root, path);
            if (Directory.Exists(candidate)) return candidate;
        }
        return Existing(path);
    }

    private static string Existing(string path) => Directory.Exists(path)
        ? path
        : throw new DirectoryNotFoundException($"Apr:Checkpoint '{path}' is not a checkpoint directory (expected config.json, model.safetensors, vocab.json)");
}
