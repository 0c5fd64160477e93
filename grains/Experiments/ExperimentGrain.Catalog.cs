using AprOrleans.Interfaces.Experiments;
using Microsoft.Extensions.Logging;

namespace AprOrleans.Grains.Experiments;

/// <summary>
/// The experiment's entry in the service's <see cref="IExperimentCatalogGrain"/>, which Experiments.List reads: added
/// by Create and by every activation of an existing experiment, removed by Delete. Adding is idempotent, so repeating
/// it costs one call and no write.
/// </summary>
public sealed partial class ExperimentGrain
{
    private IExperimentCatalogGrain Catalog => GrainFactory.GetGrain<IExperimentCatalogGrain>(IExperimentCatalogGrain.Key);

    /// <summary>
    /// For Create, awaited and not caught: a Create that returns OK has its experiment listed. If the catalog fails,
    /// the experiment is already stored but the caller sees the error and repeats the Create, which (same config) is a
    /// no-op that registers again.
    /// </summary>
    private Task RegisterAsync() => Catalog.Add(Name);

    /// <summary>
    /// On activation of an experiment with a persisted state: this is how experiments created before the catalog existed
    /// join it. A failure is logged, not thrown: failing the activation would stop the experiment from running and
    /// answering over a list entry, which the next activation or Create adds again.
    /// </summary>
    private async Task RegisterOnActivationAsync()
    {
        try
        {
            await Catalog.Add(Name);
        }
        catch (Exception e)
        {
            LogRegisterFailed(Name, e);
        }
    }

    /// <summary>
    /// After Delete has cleared the state. A failure is logged, not thrown: the experiment is gone, so a repeated
    /// Delete would only say NOT_FOUND, and List skips a name whose experiment is NOT_FOUND.
    /// </summary>
    private async Task UnregisterAsync()
    {
        try
        {
            await Catalog.Remove(Name);
        }
        catch (Exception e)
        {
            LogUnregisterFailed(Name, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Experiment {Experiment}: could not add it to the experiment catalog; its next activation or create adds it")]
    private partial void LogRegisterFailed(string experiment, Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Experiment {Experiment}: deleted, but could not remove it from the experiment catalog; List skips it")]
    private partial void LogUnregisterFailed(string experiment, Exception error);
}
