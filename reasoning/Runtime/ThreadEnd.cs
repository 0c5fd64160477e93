namespace AprOrleans.Reasoning.Runtime;

/// <summary>How a thread ended. Everything but <see cref="Finished"/> is a limit or a fault, reported in the tree.</summary>
public enum ThreadEnd
{
    /// <summary>The model ended the thread itself (end-of-sequence).</summary>
    Finished,
    /// <summary>The thread filled its context (<see cref="TreeLimits.MaxTokensPerThread"/>).</summary>
    ThreadTokenLimit,
    /// <summary>The tree's total token budget ran out.</summary>
    TreeTokenLimit,
    /// <summary>A spawn asked for more children than <see cref="TreeLimits.MaxChildrenPerSpawn"/>.</summary>
    ChildrenLimit,
    /// <summary>A spawn would have gone deeper than <see cref="TreeLimits.MaxDepth"/>.</summary>
    DepthLimit,
    /// <summary>The thread spawned more often than <see cref="TreeLimits.MaxSpawnsPerThread"/>.</summary>
    SpawnLimit,
    /// <summary>The spawn block could not be honoured (malformed, or names a node the thread never generated).</summary>
    InvalidSpawn,
}
