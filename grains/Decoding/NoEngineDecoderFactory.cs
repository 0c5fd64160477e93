using AprOrleans.Reasoning.Runtime;

namespace AprOrleans.Grains.Decoding;

/// <summary>
/// The factory a silo has until an engine is registered: it fails loudly, naming what is missing, rather than
/// letting a solve hang or produce a fake answer.
/// </summary>
public sealed class NoEngineDecoderFactory : IDecoderFactory
{
    public IThreadDecoder Create(string device) =>
        throw new InvalidOperationException(
            $"no inference engine is registered for device '{device}': register an {nameof(IDecoderFactory)} in the silo's services");
}
