using AprOrleans.Interfaces.Solving;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AprOrleans.Grains.Solving;

/// <summary>
/// Deletes stored solves older than the retention from PostgreSQL, on a reminder. A solve's row is rewritten when the
/// solve ends, so its age is the time since it finished (or since it started, while it runs: keep the retention above
/// the longest solve, one hour at most, or a running solve's outcome is served from memory but not stored).
/// </summary>
public sealed partial class SolveRetentionGrain(IOptions<SolveRetentionOptions> options, ILogger<SolveRetentionGrain> logger)
    : Grain, ISolveRetentionGrain, IRemindable
{
    private const string ReminderName = "sweep-expired-solves";
    /// <summary>The Orleans grain type of <see cref="SolveGrain"/>, as the storage table names it.</summary>
    private const string SolveGrainType = "solve";

    public async Task Start()
    {
        if (!options.Value.Enabled) return;
        var period = options.Value.SweepPeriod;
        await this.RegisterOrUpdateReminder(ReminderName, period, period);
    }

    public async Task<int> Sweep()
    {
        var settings = options.Value;
        if (!settings.Enabled) return 0;
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync();
        // ModifiedOn is written in UTC by the storage's own statements.
        await using var delete = new NpgsqlCommand(
            "DELETE FROM orleansstorage WHERE serviceid = @service AND graintypestring = @type " +
            "AND modifiedon < (now() AT TIME ZONE 'utc') - @retention", connection);
        delete.Parameters.AddWithValue("service", settings.ServiceId);
        delete.Parameters.AddWithValue("type", SolveGrainType);
        delete.Parameters.AddWithValue("retention", settings.Retention);
        int deleted = await delete.ExecuteNonQueryAsync();
        if (deleted > 0) LogSwept(deleted, settings.Retention);
        return deleted;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => reminderName == ReminderName ? Sweep() : Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} stored solves older than {Retention}")]
    private partial void LogSwept(int count, TimeSpan retention);
}
