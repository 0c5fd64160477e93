using AprOrleans.Grains.Batching;
using AprOrleans.Grains.Decoding;
using AprOrleans.Grains.Placement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AprOrleans.Grains.Hosting;

public static class SiloBuilderExtensions
{
    /// <summary>
    /// Registers what the grains need: silo-name placement, the local batcher router, and a decoder factory that
    /// fails clearly unless an engine (or a test) registered its own <see cref="IDecoderFactory"/> first or later.
    /// </summary>
    public static ISiloBuilder AddAprGrains(this ISiloBuilder silo)
    {
        silo.AddPlacementDirector<SiloNamePlacement, SiloNamePlacementDirector>();
        silo.Services.AddSingleton<LocalBatchers>();
        silo.Services.TryAddSingleton<IDecoderFactory, NoEngineDecoderFactory>();
        return silo;
    }
}
