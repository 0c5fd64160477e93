using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AprOrleans.Silo.Health;

/// <summary>
/// Ready once every hosted service, the Orleans silo included, has started, and until shutdown begins. It reads
/// host state only and never calls a grain, so a busy or partitioned cluster cannot make the probe hang.
/// </summary>
public sealed class SiloReadyCheck(IHostApplicationLifetime lifetime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(
            lifetime.ApplicationStopping.IsCancellationRequested ? HealthCheckResult.Unhealthy("shutting down")
            : lifetime.ApplicationStarted.IsCancellationRequested ? HealthCheckResult.Healthy("silo started")
            : HealthCheckResult.Unhealthy("starting"));
}
