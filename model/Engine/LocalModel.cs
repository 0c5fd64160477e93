using AprOrleans.Countdown.Tokenization;
using AprOrleans.Model.Checkpoints;

namespace AprOrleans.Model.Engine;

/// <summary>
/// A checkpoint loaded onto a device behind a decode engine: what `apr solve` and `apr eval` use in-process
/// (the silo's batching grains host the same engine). Dispose to stop the engine thread.
/// </summary>
public sealed class LocalModel : IDisposable
{
    private LocalModel(DecodeEngine engine, CountdownTokenizer tokenizer, string checkpoint)
    {
        Engine = engine;
        Tokenizer = tokenizer;
        Checkpoint = checkpoint;
    }

    public DecodeEngine Engine { get; }
    public CountdownTokenizer Tokenizer { get; }
    public string Checkpoint { get; }

    /// <summary>Loads <paramref name="checkpoint"/> (errors name the missing file, tensor or field).</summary>
    public static LocalModel Load(string checkpoint, string device, EngineOptions? options = null)
    {
        var target = DeviceSelection.Parse(device);
        var (net, tokenizer) = ModelCheckpoint.Load(checkpoint, target, DeviceSelection.InferenceDType(target));
        var engineOptions = options ?? new EngineOptions { ContextTokens = net.Config.MaxPositionEmbeddings };
        return new LocalModel(new DecodeEngine(net, tokenizer.EosId, engineOptions, weightVersion: 0, name: device), tokenizer, checkpoint);
    }

    public void Dispose() => Engine.Dispose();
}
