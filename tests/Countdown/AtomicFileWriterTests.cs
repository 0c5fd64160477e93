using AprOrleans.Countdown.IO;

namespace AprOrleans.Tests.Countdown;

/// <summary>
/// Output files are replaced whole or not at all; links and devices are written through, never replaced (a rename
/// over /dev/null as root would leave a regular file there for every process on the machine).
/// </summary>
public sealed class AtomicFileWriterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("apr-atomic-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static void Write(string path, string text, bool commit = true)
    {
        using var file = new AtomicFileWriter(path);
        file.Writer.Write(text);
        if (commit) file.Commit();
    }

    [Fact]
    public void A_file_is_replaced_only_on_commit_and_leaves_no_temporary_behind()
    {
        var path = Path.Combine(_dir, "out.jsonl");
        Write(path, "old\n");
        Write(path, "half-written\n", commit: false);
        Assert.Equal("old\n", File.ReadAllText(path));
        Write(path, "new\n");
        Assert.Equal("new\n", File.ReadAllText(path));
        Assert.Equal(["out.jsonl"], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void A_link_is_written_through_and_stays_a_link()
    {
        var target = Path.Combine(_dir, "run-7.jsonl");
        File.WriteAllText(target, "a longer old content\n");
        var link = Path.Combine(_dir, "latest.jsonl");
        File.CreateSymbolicLink(link, target);

        Write(link, "new\n");

        Assert.Equal(target, new FileInfo(link).LinkTarget);
        Assert.Equal("new\n", File.ReadAllText(target));
    }

    [Fact]
    public void Dev_null_stays_the_device()
    {
        Assert.True(AtomicFileWriter.WritesInPlace("/dev/null"));
        Assert.True(AtomicFileWriter.WritesInPlace("/dev/stdout"));
        Assert.False(AtomicFileWriter.WritesInPlace(Path.Combine(_dir, "new.jsonl")));
        Write("/dev/null", "discarded\n");
        // A rename would have left a regular file holding the text; the device reads back empty.
        Assert.Equal(0, new FileInfo("/dev/null").Length);
        Assert.Equal("", File.ReadAllText("/dev/null"));
    }
}
