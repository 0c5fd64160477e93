using AprOrleans.Interfaces.Solving;
using Npgsql;

namespace AprOrleans.Tests.Service;

/// <summary>
/// Stored solves expire: the sweeper's reminder is registered in PostgreSQL at silo start, and a sweep deletes the
/// solves older than Apr:SolveRetention from the grain-state table while younger ones stay.
/// </summary>
public class SolveRetentionTests
{
    [Fact]
    public async Task An_expired_solve_is_deleted_from_postgres_and_a_fresh_one_is_kept()
    {
        await using var cluster = await TestCluster.StartAsync(["silo-a"],
            extra: new Dictionary<string, string?> { ["Apr:SolveRetention"] = "00:00:03" });
        Assert.Equal(1, await CountAsync(cluster.ServiceId, "SELECT count(*) FROM orleansreminderstable WHERE serviceid = @s AND remindername = 'sweep-expired-solves'"));

        var old = SolveEndToEndTests.ValidRequest();
        old.SolveId = Guid.NewGuid().ToString();
        Assert.True((await cluster["silo-a"].Solver.SolveAsync(old, SolveEndToEndTests.Deadline())).Correct);
        Assert.Equal(1, await StoredSolvesAsync(cluster.ServiceId));
        await Task.Delay(TimeSpan.FromSeconds(4));

        var fresh = SolveEndToEndTests.ValidRequest();
        fresh.SolveId = Guid.NewGuid().ToString();
        Assert.True((await cluster["silo-a"].Solver.SolveAsync(fresh, SolveEndToEndTests.Deadline())).Correct);
        Assert.Equal(2, await StoredSolvesAsync(cluster.ServiceId));

        Assert.Equal(1, await cluster["silo-a"].Grains.GetGrain<ISolveRetentionGrain>(0).Sweep());
        Assert.Equal(1, await StoredSolvesAsync(cluster.ServiceId)); // the fresh one
        Assert.Equal(0, await cluster["silo-a"].Grains.GetGrain<ISolveRetentionGrain>(0).Sweep());
    }

    [Fact]
    public async Task Zero_retention_keeps_solves_and_registers_no_sweep()
    {
        await using var cluster = await TestCluster.StartAsync(["silo-a"], extra: new Dictionary<string, string?> { ["Apr:SolveRetention"] = "00:00:00" });
        Assert.True((await cluster["silo-a"].Solver.SolveAsync(SolveEndToEndTests.ValidRequest(), SolveEndToEndTests.Deadline())).Correct);
        Assert.Equal(0, await cluster["silo-a"].Grains.GetGrain<ISolveRetentionGrain>(0).Sweep());
        Assert.Equal(1, await StoredSolvesAsync(cluster.ServiceId));
        Assert.Equal(0, await CountAsync(cluster.ServiceId, "SELECT count(*) FROM orleansreminderstable WHERE serviceid = @s AND remindername = 'sweep-expired-solves'"));
    }

    private static Task<long> StoredSolvesAsync(string serviceId) =>
        CountAsync(serviceId, "SELECT count(*) FROM orleansstorage WHERE serviceid = @s AND graintypestring = 'solve'");

    private static async Task<long> CountAsync(string serviceId, string sql)
    {
        await using var connection = new NpgsqlConnection(TestPostgres.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("s", serviceId);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
