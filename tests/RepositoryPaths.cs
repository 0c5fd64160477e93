namespace AprOrleans.Tests;

/// <summary>Places in this checkout the tests read: the repository root (found above the test binaries) and the shipped checkpoint.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string ShippedCheckpoint { get; } = Path.Combine(Root, "checkpoints", "countdown3-apr");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AprOrleans.sln"))) return dir.FullName;
        }
        throw new DirectoryNotFoundException("cannot find the repository root (AprOrleans.sln) above " + AppContext.BaseDirectory);
    }
}
