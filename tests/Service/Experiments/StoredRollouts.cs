using Npgsql;

namespace AprOrleans.Tests.Service.Experiments;

/// <summary>The rollout grains' state rows of one service in PostgreSQL, read directly (what is really stored).</summary>
internal static class StoredRollouts
{
    /// <summary>The storage version of every stored group: 1 means written once and never again.</summary>
    public static async Task<List<int>> VersionsAsync(string serviceId)
    {
        await using var connection = new NpgsqlConnection(TestPostgres.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT Version FROM OrleansStorage WHERE ServiceId = @s AND GrainTypeString ILIKE '%rollout%' AND PayloadBinary IS NOT NULL", connection);
        command.Parameters.AddWithValue("s", serviceId);
        var versions = new List<int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) versions.Add(reader.GetInt32(0));
        return versions;
    }
}
