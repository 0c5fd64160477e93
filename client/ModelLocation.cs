using AprOrleans.CommandLine;

namespace AprOrleans.Client;

/// <summary>
/// Where the shipped checkpoint lives: copied next to the tool at build time (`checkpoints/default`), and also
/// found from the repository root so `dotnet run` works from a fresh clone.
/// </summary>
public static class ModelLocation
{
    public const string ShippedName = "countdown3-apr";

    public static string DefaultCheckpoint()
    {
        var candidates = new[]
        {
            Path.Combine(AppContext.BaseDirectory, "checkpoints", ShippedName),
            Path.Combine(Directory.GetCurrentDirectory(), "checkpoints", ShippedName),
        };
        return candidates.FirstOrDefault(Directory.Exists) ?? candidates[^1];
    }

    /// <summary>The checkpoint to use, with an actionable error when it is missing.</summary>
    public static string Resolve(string? requested)
    {
        var path = requested ?? DefaultCheckpoint();
        if (!Directory.Exists(path))
            throw new UsageException(requested is null
                ? $"no shipped checkpoint at {path}; pass --checkpoint DIR or train one (see README, 'Shipped checkpoint')"
                : $"--checkpoint {path}: no such directory");
        return path;
    }
}
