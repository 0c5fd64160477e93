using System.Reflection;
using Npgsql;

namespace AprOrleans.Storage.Postgres;

/// <summary>
/// The project's PostgreSQL schema for Orleans clustering, grain storage and reminders (the ADO.NET providers
/// ship no schema), and the weight blob store. Applying it is idempotent and safe to run concurrently: `apr db migrate` and every silo at
/// start call <see cref="ApplyAsync"/>.
/// </summary>
public static class PostgresSchema
{
    /// <summary>The ADO.NET invariant the Orleans providers use to find Npgsql.</summary>
    public const string Invariant = "Npgsql";

    /// <summary>Tables the schema creates; `apr db migrate` reports them and tests check them.</summary>
    public static readonly IReadOnlyList<string> Tables =
    [
        "orleansquery", "orleansmembershipversiontable", "orleansmembershiptable", "orleansstorage", "orleansreminderstable",
        "apr_weight_versions", "apr_weight_blobs",
    ];

    /// <summary>The schema script (embedded in this assembly).</summary>
    public static string Script()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("AprOrleans.postgres-schema.sql")
            ?? throw new InvalidOperationException("the embedded PostgreSQL schema is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Applies the schema in one transaction; returns the number of Orleans query rows afterwards.</summary>
    public static async Task<int> ApplyAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var apply = new NpgsqlCommand(Script(), connection, transaction))
        {
            await apply.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        await using var count = new NpgsqlCommand("SELECT count(*) FROM OrleansQuery", connection);
        return Convert.ToInt32(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }
}
