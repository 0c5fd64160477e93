namespace AprOrleans.Grains;

/// <summary>Names of the grain storage providers the grains use; the silo registers each one.</summary>
public static class StorageNames
{
    /// <summary>Solve results (PostgreSQL, or memory when the silo runs with <c>--storage memory</c>).</summary>
    public const string Solves = "apr";

    /// <summary>The weight registry's state; the same provider as <see cref="Solves"/>.</summary>
    public const string Weights = Solves;
}
