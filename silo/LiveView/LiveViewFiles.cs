using Microsoft.AspNetCore.Http;

namespace AprOrleans.Silo.LiveView;

/// <summary>
/// The page's static files, shipped beside the silo binary in <c>ui/</c> (copied from <c>silo/LiveView/page</c>
/// by the build). Only files of the listed kinds in that one folder are served, by exact name: no path reaches
/// anywhere else.
/// </summary>
internal sealed class LiveViewFiles
{
    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".json"] = "application/json",
        [".svg"] = "image/svg+xml",
    };

    private readonly Dictionary<string, string> _files;

    public LiveViewFiles(string folder)
    {
        _files = Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder)
                .Where(path => ContentTypes.ContainsKey(Path.GetExtension(path)))
                .ToDictionary(path => Path.GetFileName(path), path => path, StringComparer.Ordinal)
            : [];
    }

    /// <summary>The folder the build copies the page into.</summary>
    public static string ShippedFolder => Path.Combine(AppContext.BaseDirectory, "ui");

    public async Task ServeAsync(HttpContext http, string name)
    {
        if (!_files.TryGetValue(name, out var path))
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            await http.Response.WriteAsync($"no live view file '{name}'", http.RequestAborted);
            return;
        }
        http.Response.ContentType = ContentTypes[Path.GetExtension(path)];
        // The page is small and changes with the silo's version: always revalidate rather than serve a stale script.
        http.Response.Headers.CacheControl = "no-cache";
        await http.Response.SendFileAsync(path, http.RequestAborted);
    }
}
