namespace AprOrleans.Reasoning.Runtime;

/// <summary>
/// Bounds on one spawn/join tree. The paper nests one level (<see cref="MaxDepth"/> 1) with a 4k context;
/// the runtime supports any depth within these limits, and reports which one was hit.
/// </summary>
public sealed record TreeLimits
{
    /// <summary>Most children one spawn may ask for.</summary>
    public int MaxChildrenPerSpawn { get; init; } = 10;
    /// <summary>Deepest level a thread may have (root is level 0).</summary>
    public int MaxDepth { get; init; } = 1;
    /// <summary>Most tokens one thread may hold: prompt plus everything it generates, as in a context window.</summary>
    public int MaxTokensPerThread { get; init; } = 4096;
    /// <summary>Most tokens the whole tree may generate.</summary>
    public int MaxTotalTokens { get; init; } = 65_536;
    /// <summary>Most spawns one thread may make (guards against a model that spawns forever).</summary>
    public int MaxSpawnsPerThread { get; init; } = 8;

    public static readonly TreeLimits Default = new();

    /// <summary>These limits with no thread holding more than the decoder's context window.</summary>
    public TreeLimits FitTo(int contextTokens) => this with { MaxTokensPerThread = Math.Min(MaxTokensPerThread, contextTokens) };

    public string? Validate()
    {
        if (MaxChildrenPerSpawn < 1) return $"{nameof(MaxChildrenPerSpawn)} must be at least 1";
        if (MaxDepth < 0) return $"{nameof(MaxDepth)} must be non-negative";
        if (MaxTokensPerThread < 16) return $"{nameof(MaxTokensPerThread)} must be at least 16";
        if (MaxTotalTokens < 1) return $"{nameof(MaxTotalTokens)} must be positive";
        if (MaxSpawnsPerThread < 0) return $"{nameof(MaxSpawnsPerThread)} must be non-negative";
        return null;
    }
}
