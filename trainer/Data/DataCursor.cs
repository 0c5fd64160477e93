namespace AprOrleans.Trainer.Data;

/// <summary>Position in the data stream: the batch <see cref="Batch"/> of pool <see cref="Pool"/> is next.</summary>
public sealed record DataPosition(long Pool, int Batch);

/// <summary>
/// Walks the planned batches of consecutive pools. Its <see cref="Position"/> is saved in checkpoints; a cursor
/// created at a saved position yields exactly the batches the original run would have seen next.
/// </summary>
public sealed class DataCursor(ISequenceSource source, int batchTokens, int seed, DataPosition start)
{
    private long _pool = start.Pool;
    private int _batch = start.Batch;
    private IReadOnlyList<PlannedBatch>? _plan;

    public DataPosition Position => new(_pool, _batch);

    public PlannedBatch Next()
    {
        while (true)
        {
            _plan ??= BatchPlanner.Plan(source.Pool(_pool), batchTokens, seed, _pool);
            if (_batch < _plan.Count)
                return _plan[_batch++];
            _pool++;
            _batch = 0;
            _plan = null;
        }
    }
}
