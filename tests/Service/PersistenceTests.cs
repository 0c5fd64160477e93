using AprOrleans.Api;
using AprOrleans.Storage.Postgres;
using Npgsql;

namespace AprOrleans.Tests.Service;

public class PersistenceTests
{
    [Fact]
    public async Task A_new_cluster_with_the_same_service_id_reads_a_solve_back_from_PostgreSQL()
    {
        var serviceId = "persist-" + Guid.NewGuid().ToString("N")[..12];
        SolveResponse solved;
        await using (var first = await TestCluster.StartAsync(["silo-a"], serviceId))
        {
            solved = await first["silo-a"].Solver.SolveAsync(SolveEndToEndTests.ValidRequest(), SolveEndToEndTests.Deadline());
            Assert.True(solved.Correct);
        }

        Assert.True(await StoredRows(serviceId) > 0, "no grain state row for the service in OrleansStorage");

        await using var second = await TestCluster.StartAsync(["silo-b"], serviceId);
        var read = await second["silo-b"].Solver.GetSolveAsync(new GetSolveRequest { SolveId = solved.SolveId }, SolveEndToEndTests.Deadline());
        Assert.Equal(solved, read);
        Assert.Equal(0, second.Decoders.Created); // read back from storage, not recomputed
    }

    [Fact]
    public async Task A_cluster_with_another_service_id_does_not_see_the_state()
    {
        var serviceId = "persist-" + Guid.NewGuid().ToString("N")[..12];
        SolveResponse solved;
        await using (var first = await TestCluster.StartAsync(["silo-a"], serviceId))
        {
            solved = await first["silo-a"].Solver.SolveAsync(SolveEndToEndTests.ValidRequest(), SolveEndToEndTests.Deadline());
        }
        await using var other = await TestCluster.StartAsync(["silo-a"]);
        var error = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() =>
            other["silo-a"].Solver.GetSolveAsync(new GetSolveRequest { SolveId = solved.SolveId }, SolveEndToEndTests.Deadline()).ResponseAsync);
        Assert.Equal(Grpc.Core.StatusCode.NotFound, error.StatusCode);
    }

    private static async Task<long> StoredRows(string serviceId)
    {
        await using var connection = new NpgsqlConnection(TestPostgres.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM OrleansStorage WHERE ServiceId = @s AND PayloadBinary IS NOT NULL", connection);
        command.Parameters.AddWithValue("s", serviceId);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}

public class MemoryStorageTests
{
    [Fact]
    public async Task A_memory_silo_solves_and_keeps_state_out_of_PostgreSQL()
    {
        await using var cluster = await TestCluster.StartAsync(["silo-m"], storage: "memory");
        var solved = await cluster["silo-m"].Solver.SolveAsync(SolveEndToEndTests.ValidRequest(), SolveEndToEndTests.Deadline());
        Assert.True(solved.Correct);
        var read = await cluster["silo-m"].Solver.GetSolveAsync(new GetSolveRequest { SolveId = solved.SolveId }, SolveEndToEndTests.Deadline());
        Assert.Equal(solved, read);

        await PostgresSchema.ApplyAsync(TestPostgres.ConnectionString); // the table exists even if no postgres silo ran yet
        await using var connection = new NpgsqlConnection(TestPostgres.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM OrleansStorage WHERE ServiceId = @s", connection);
        command.Parameters.AddWithValue("s", cluster.ServiceId);
        Assert.Equal(0L, (long)(await command.ExecuteScalarAsync())!);
    }
}

public class NoEngineTests
{
    [Fact]
    public async Task A_silo_whose_engine_has_no_checkpoint_fails_a_solve_saying_what_is_missing()
    {
        await using var cluster = await TestCluster.StartAsync(["silo-a"], withEngine: false);
        var error = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() =>
            cluster["silo-a"].Solver.SolveAsync(SolveEndToEndTests.ValidRequest(), SolveEndToEndTests.Deadline()).ResponseAsync);
        Assert.Equal(Grpc.Core.StatusCode.Internal, error.StatusCode);
        Assert.Contains("Apr:Checkpoint '/nonexistent/apr-checkpoint' is not a checkpoint directory", error.Status.Detail);
    }
}

public class SchemaTests
{
    [Fact]
    public async Task Applying_the_schema_repeatedly_and_concurrently_leaves_every_table_and_query()
    {
        var counts = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => PostgresSchema.ApplyAsync(TestPostgres.ConnectionString)));
        Assert.All(counts, c => Assert.Equal(counts[0], c));
        Assert.Equal(await PostgresSchema.ApplyAsync(TestPostgres.ConnectionString), counts[0]);

        await using var connection = new NpgsqlConnection(TestPostgres.ConnectionString);
        await connection.OpenAsync();
        foreach (var table in PostgresSchema.Tables)
        {
            await using var exists = new NpgsqlCommand("SELECT to_regclass(@t) IS NOT NULL", connection);
            exists.Parameters.AddWithValue("t", table);
            Assert.True((bool)(await exists.ExecuteScalarAsync())!, table);
        }
        var keys = new List<string>();
        await using (var query = new NpgsqlCommand("SELECT QueryKey FROM OrleansQuery", connection))
        await using (var reader = await query.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync()) keys.Add(reader.GetString(0));
        }
        string[] required =
        [
            "InsertMembershipVersionKey", "InsertMembershipKey", "UpdateMembershipKey", "UpdateIAmAlivetimeKey",
            "MembershipReadRowKey", "MembershipReadAllKey", "GatewaysQueryKey", "DeleteMembershipTableEntriesKey",
            "CleanupDefunctSiloEntriesKey", "WriteToStorageKey", "ReadFromStorageKey", "ClearStorageKey",
            "UpsertReminderRowKey", "ReadReminderRowsKey", "ReadReminderRowKey", "ReadRangeRows1Key",
            "ReadRangeRows2Key", "DeleteReminderRowKey", "DeleteReminderRowsKey",
        ];
        Assert.All(required, k => Assert.Contains(k, keys));
    }

    [Fact]
    public void Apr_db_migrate_applies_the_schema_and_refuses_a_bad_connection_string()
    {
        var ok = AprCli.Run("db", "migrate", "--connection", TestPostgres.ConnectionString);
        Assert.True(ok.ExitCode == 0, ok.StdErr);
        Assert.Contains("schema applied", ok.StdErr);

        var bad = AprCli.Run("db", "migrate", "--connection", "this is not a connection string");
        Assert.Equal(2, bad.ExitCode);
        Assert.StartsWith("apr db migrate: option '--connection'", bad.StdErr);
        Assert.Single(bad.StdErr.Trim().Split('\n'));
    }
}
