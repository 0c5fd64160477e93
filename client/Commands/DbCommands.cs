using System.CommandLine;
using AprOrleans.CommandLine;
using AprOrleans.Storage.Postgres;
using Npgsql;

namespace AprOrleans.Client.Commands;

/// <summary>`apr db migrate`: applies the project's PostgreSQL schema for Orleans (idempotent; silos also apply it at start).</summary>
public static class DbCommands
{
    public static Command Build() => new("db", "Manage the service's PostgreSQL database") { Migrate() };

    private static Command Migrate()
    {
        var connection = new Option<string>("--connection")
        {
            Description = "Npgsql connection string, e.g. \"Host=localhost;Port=5432;Username=apr;Password=…;Database=apr\"",
            Required = true,
        };
        var command = new Command("migrate", "Create or update the Orleans tables and queries (safe to repeat)") { connection };
        command.SetAction(async (parse, ct) =>
        {
            var text = parse.GetValue(connection)!;
            try
            {
                _ = new NpgsqlConnectionStringBuilder(text);
            }
            catch (ArgumentException e)
            {
                throw new UsageException($"option '--connection': {e.Message}");
            }
            try
            {
                int queries = await PostgresSchema.ApplyAsync(text, ct);
                Console.Error.WriteLine($"schema applied: tables {string.Join(", ", PostgresSchema.Tables)}; {queries} Orleans queries");
                return 0;
            }
            catch (NpgsqlException e)
            {
                throw new UsageException($"database: {e.Message.Split('\n')[0]}");
            }
        });
        return command;
    }
}
