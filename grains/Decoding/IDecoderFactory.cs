using AprOrleans.Reasoning.Runtime;

namespace AprOrleans.Grains.Decoding;

/// <summary>
/// The seam where an inference engine plugs into the service: a batching grain asks for the decoder of its
/// device once, on activation, and owns it until it deactivates (disposing it if it is disposable). The
/// TorchSharp engine registers its own factory; tests register a scripted one.
/// </summary>
public interface IDecoderFactory
{
    /// <summary>The decoder for <paramref name="device"/> (e.g. <c>cpu:0</c>, <c>cuda:0</c>) on this silo.</summary>
    IThreadDecoder Create(string device);
}
