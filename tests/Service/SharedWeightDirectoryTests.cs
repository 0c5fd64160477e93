using AprOrleans.Storage.Weights;

namespace AprOrleans.Tests.Service;

/// <summary>The shared weights volume's naming rules: what may be published from the outbox, and what counts as abandoned there.</summary>
public sealed class SharedWeightDirectoryTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("apr-shared-layout-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("v3-20261206120000-0123456789abcdef0123456789abcdef.safetensors", true)]
    [InlineData("model.bf16.safetensors", true)]
    [InlineData("model.safetensors\n", false)]
    [InlineData(".model.safetensors", false)]
    [InlineData("../model.safetensors", false)]
    [InlineData("a/model.safetensors", false)]
    [InlineData("model.bin", false)]
    [InlineData("", false)]
    public void Outbox_file_names_are_plain_safetensors_names(string name, bool allowed) =>
        Assert.Equal(allowed, SharedWeightDirectory.IsOutboxFileName(name));

    [Fact]
    public void Only_entries_placed_before_the_cutoff_count_as_abandoned()
    {
        var now = new DateTime(2026, 12, 6, 12, 0, 0, DateTimeKind.Utc);
        var outbox = Directory.CreateDirectory(Path.Combine(_root, SharedWeightDirectory.Outbox)).FullName;
        var old = SharedWeightDirectory.NewOutboxName(1, now.AddHours(-2));
        var recent = SharedWeightDirectory.NewOutboxName(2, now.AddMinutes(-5));
        foreach (var name in new[] { old, recent, "foreign.safetensors" }) File.WriteAllText(Path.Combine(outbox, name), "x");
        File.SetLastWriteTimeUtc(Path.Combine(outbox, "foreign.safetensors"), now.AddDays(-3));

        Assert.True(SharedWeightDirectory.IsOutboxFileName(old));
        Assert.Equal([Path.Combine(outbox, old)], SharedWeightDirectory.AbandonedOutboxEntries(_root, now.AddHours(-1)));
        Assert.Empty(SharedWeightDirectory.AbandonedOutboxEntries(Path.Combine(_root, "nowhere"), now));
    }

    [Fact]
    public void Placing_a_blob_links_or_copies_it_whole_and_leaves_the_original()
    {
        var blob = Path.Combine(_root, "model.safetensors");
        File.WriteAllBytes(blob, [1, 2, 3, 4]);
        var name = SharedWeightOutbox.Place(_root, blob, 7);
        Assert.StartsWith("v7-", name);
        Assert.Equal([1, 2, 3, 4], File.ReadAllBytes(Path.Combine(_root, SharedWeightDirectory.Outbox, name)));
        Assert.Equal([1, 2, 3, 4], File.ReadAllBytes(blob));
        Assert.Single(Directory.EnumerateFiles(Path.Combine(_root, SharedWeightDirectory.Outbox)));
    }
}
