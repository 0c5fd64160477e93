using System.Buffers;
using System.Data;
using System.Threading.Channels;
using AprOrleans.Interfaces.Weights;
using AprOrleans.Reasoning.IO;
using Npgsql;
using NpgsqlTypes;

namespace AprOrleans.Grains.Weights;

/// <summary>
/// Weight blobs in PostgreSQL (tables <c>apr_weight_versions</c>, <c>apr_weight_blobs</c> of the project schema):
/// written with one binary COPY in a transaction while the upload arrives, read back chunk by chunk into a local file and checked against
/// the registry's sha256, so a silo never loads a blob that differs from the published one.
/// </summary>
public sealed class PostgresWeightStore(string connectionString, string serviceId) : IWeightStore
{
    /// <summary>Rows of 4 MiB: few enough rows for a 1 GB model, small enough to stream.</summary>
    private const int ChunkBytes = 4 << 20;

    private string ServiceId => serviceId;

    public async Task<IWeightBlobWriter> BeginAsync(WeightVersionInfo version, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            // Two publishers of the same blob take turns; the second finds it stored.
            await using (var lockCommand = Command(connection, "SELECT pg_advisory_xact_lock(hashtext(@service), hashtext(@version::text))", version))
                await lockCommand.ExecuteNonQueryAsync(cancellationToken);
            await using (var exists = Command(connection, "SELECT 1 FROM apr_weight_versions WHERE service_id = @service AND version = @version AND sha256 = @sha256", version))
            {
                bool stored = await exists.ExecuteScalarAsync(cancellationToken) is not null;
                var import = stored ? null : await connection.BeginBinaryImportAsync(
                    "COPY apr_weight_blobs (service_id, version, sha256, chunk_index, data) FROM STDIN (FORMAT BINARY)", cancellationToken);
                return new CopyWriter(this, connection, transaction, import, version);
            }
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Streams the blob into one binary COPY (rows of <see cref="ChunkBytes"/>) inside a transaction while it is
    /// received; commit adds the version row and commits, anything else rolls the whole blob back. Rows go to
    /// PostgreSQL from a background task through a short queue, so receiving the next bytes overlaps with the
    /// database ingesting the previous ones.
    /// </summary>
    private sealed class CopyWriter(
        PostgresWeightStore store, NpgsqlConnection connection, NpgsqlTransaction transaction, NpgsqlBinaryImporter? import, WeightVersionInfo version)
        : IWeightBlobWriter
    {
        private readonly Channel<(byte[] Row, int Length)> _queue =
            Channel.CreateBounded<(byte[], int)>(new BoundedChannelOptions(4) { SingleReader = true, SingleWriter = true });
        private NpgsqlBinaryImporter? _import = import; // null: the blob is already stored, nothing to write
        private Task? _copy;
        private byte[] _row = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        private int _filled, _rows;

        public async Task WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            if (_import is null) return;
            while (data.Length > 0)
            {
                int n = Math.Min(data.Length, ChunkBytes - _filled);
                data[..n].CopyTo(_row.AsMemory(_filled));
                _filled += n;
                data = data[n..];
                if (_filled == ChunkBytes) await EnqueueRowAsync(cancellationToken);
            }
        }

        public async Task CommitAsync(string verifiedFile, CancellationToken cancellationToken)
        {
            if (_import is null) return;
            if (_filled > 0) await EnqueueRowAsync(cancellationToken);
            _queue.Writer.Complete();
            if (_copy is not null) await _copy;
            await _import.CompleteAsync(cancellationToken);
            await _import.DisposeAsync();
            _import = null;
            await using (var insert = store.Command(connection,
                "INSERT INTO apr_weight_versions (service_id, version, sha256, size_bytes, chunks) VALUES (@service, @version, @sha256, @size, @chunks)", version))
            {
                insert.Parameters.AddWithValue("size", version.SizeBytes);
                insert.Parameters.AddWithValue("chunks", _rows);
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
        }

        private async Task EnqueueRowAsync(CancellationToken cancellationToken)
        {
            _copy ??= Task.Run(CopyRowsAsync, CancellationToken.None);
            // A failed COPY ends the upload now rather than after the last byte.
            if (_copy.IsFaulted) await _copy;
            await _queue.Writer.WriteAsync((_row, _filled), cancellationToken);
            _row = ArrayPool<byte>.Shared.Rent(ChunkBytes);
            _filled = 0;
        }

        private async Task CopyRowsAsync()
        {
            try
            {
                await foreach (var (row, length) in _queue.Reader.ReadAllAsync())
                {
                    try
                    {
                        await _import!.StartRowAsync();
                        await _import.WriteAsync(store.ServiceId, NpgsqlDbType.Varchar);
                        await _import.WriteAsync(version.Version, NpgsqlDbType.Bigint);
                        await _import.WriteAsync(version.Sha256, NpgsqlDbType.Char);
                        await _import.WriteAsync(_rows++, NpgsqlDbType.Integer);
                        await _import.WriteAsync(new ReadOnlyMemory<byte>(row, 0, length), NpgsqlDbType.Bytea);
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(row);
                    }
                }
            }
            catch (Exception e)
            {
                // Close the queue with the cause, so a receiver waiting for room fails instead of waiting forever.
                _queue.Writer.TryComplete(e);
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            // Without a commit: the queued rows drain, disposing the importer cancels the COPY and the transaction rolls back.
            _queue.Writer.TryComplete();
            if (_copy is not null)
            {
                try { await _copy; }
                catch (Exception) { /* the upload already failed for this or another reason; rolled back below */ }
            }
            if (_import is not null) await _import.DisposeAsync();
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
            ArrayPool<byte>.Shared.Return(_row);
        }
    }

    public async Task<string> FetchAsync(WeightVersionInfo version, string localDirectory, CancellationToken cancellationToken)
    {
        var target = Path.Combine(localDirectory, WeightFileNames.For(version));
        if (File.Exists(target)) return target;
        Directory.CreateDirectory(localDirectory);
        var partial = $"{target}.part-{Guid.NewGuid():N}";
        try
        {
            long size;
            string sha256;
            await using (var connection = new NpgsqlConnection(connectionString))
            {
                await connection.OpenAsync(cancellationToken);
                await using var select = Command(connection,
                    "SELECT data FROM apr_weight_blobs WHERE service_id = @service AND version = @version AND sha256 = @sha256 ORDER BY chunk_index", version);
                await using var reader = await select.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken);
                await using var file = new HashingFileWriter(partial, ChunkBytes);
                var buffer = new byte[1 << 20];
                while (await reader.ReadAsync(cancellationToken))
                {
                    await using var data = reader.GetStream(0);
                    int read;
                    while ((read = await data.ReadAsync(buffer, cancellationToken)) > 0)
                        await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
                (size, sha256) = (file.Length, file.Sha256());
            }
            if (size != version.SizeBytes || sha256 != version.Sha256)
                throw new InvalidDataException(
                    $"weight version {version.Version} in PostgreSQL has {size} bytes with sha256 {sha256}; the registry says {version.SizeBytes} bytes, {version.Sha256}");
            File.Move(partial, target, overwrite: true);
            return target;
        }
        finally
        {
            File.Delete(partial);
        }
    }

    public async Task DeleteBelowAsync(long version, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var delete = new NpgsqlCommand(
            "DELETE FROM apr_weight_versions WHERE service_id = @service AND version < @version; " +
            "DELETE FROM apr_weight_blobs WHERE service_id = @service AND version < @version", connection);
        delete.Parameters.AddWithValue("service", serviceId);
        delete.Parameters.AddWithValue("version", version);
        await delete.ExecuteNonQueryAsync(cancellationToken);
    }

    private NpgsqlCommand Command(NpgsqlConnection connection, string sql, WeightVersionInfo version)
    {
        var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("service", serviceId);
        command.Parameters.AddWithValue("version", version.Version);
        command.Parameters.AddWithValue("sha256", version.Sha256);
        return command;
    }
}
