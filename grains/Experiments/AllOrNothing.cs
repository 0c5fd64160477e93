using System.Runtime.ExceptionServices;

namespace AprOrleans.Grains.Experiments;

/// <summary>
/// Runs the trees of one group together and fails them together: a group is stored whole or not at all, so once
/// one tree fails the others' work is lost anyway. Cancelling them at once frees their engine slots and queue
/// places for the groups that can still finish, and the group's failure shows (and its retry starts) without
/// waiting for trees whose results would be dropped.
/// </summary>
internal static class AllOrNothing
{
    /// <summary>
    /// Starts <paramref name="count"/> runs with one shared token; the first failure cancels the rest. Throws that
    /// first failure (the cause, not the cancellations it led to), or <see cref="OperationCanceledException"/> when
    /// <paramref name="cancellationToken"/> stopped them.
    /// </summary>
    public static async Task<T[]> RunAsync<T>(int count, Func<int, CancellationToken, Task<T>> run, CancellationToken cancellationToken)
    {
        using var group = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Exception? first = null;
        async Task<T> RunOne(int index)
        {
            try
            {
                return await run(index, group.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                if (!group.IsCancellationRequested) Interlocked.CompareExchange(ref first, e, null);
                await group.CancelAsync().ConfigureAwait(false);
                throw;
            }
        }
        var runs = Enumerable.Range(0, count).Select(RunOne).ToArray();
        try
        {
            return await Task.WhenAll(runs).ConfigureAwait(false);
        }
        catch when (Volatile.Read(ref first) is { } cause && !cancellationToken.IsCancellationRequested)
        {
            ExceptionDispatchInfo.Throw(cause);
            throw; // not reached: Throw rethrows the cause with its own stack trace
        }
    }
}
