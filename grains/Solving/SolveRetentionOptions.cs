namespace AprOrleans.Grains.Solving;

/// <summary>Where stored solves live and how long they are kept (<c>Apr:SolveRetention</c>; zero keeps them forever).</summary>
public sealed class SolveRetentionOptions
{
    /// <summary>The grain-state database; null (memory storage) means nothing outlives the silo, so nothing is swept.</summary>
    public string? ConnectionString { get; set; }
    public string ServiceId { get; set; } = "";
    public TimeSpan Retention { get; set; }

    public bool Enabled => ConnectionString is not null && Retention > TimeSpan.Zero;

    /// <summary>A quarter of the retention, between one minute (Orleans' shortest reminder) and one hour.</summary>
    public TimeSpan SweepPeriod => TimeSpan.FromTicks(Math.Clamp(Retention.Ticks / 4, TimeSpan.FromMinutes(1).Ticks, TimeSpan.FromHours(1).Ticks));
}
