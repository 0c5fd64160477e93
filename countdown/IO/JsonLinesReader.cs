using System.Text.Json;

namespace AprOrleans.Countdown.IO;

/// <summary>Reads JSON Lines, one object per non-blank line, reporting the file and line of any fault.</summary>
public static class JsonLinesReader
{
    public static IEnumerable<(int Line, JsonElement Object)> ReadObjects(string path)
    {
        if (!File.Exists(path)) throw new InputFileException(path, 0, null, "file not found");
        int lineNumber = 0;
        foreach (var text in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            JsonElement element;
            try
            {
                using var doc = JsonDocument.Parse(text);
                element = doc.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new InputFileException(path, lineNumber, null, $"malformed JSON ({FirstSentence(e.Message)})");
            }
            if (element.ValueKind != JsonValueKind.Object)
                throw new InputFileException(path, lineNumber, null, $"expected a JSON object, got {element.ValueKind}");
            yield return (lineNumber, element);
        }
    }

    public static int RequireInt(JsonElement obj, string field, string path, int line)
    {
        var value = Require(obj, field, path, line);
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int n))
            throw new InputFileException(path, line, field, $"expected an integer, got {Describe(value)}");
        return n;
    }

    public static string RequireString(JsonElement obj, string field, string path, int line)
    {
        var value = Require(obj, field, path, line);
        if (value.ValueKind != JsonValueKind.String)
            throw new InputFileException(path, line, field, $"expected a string, got {Describe(value)}");
        return value.GetString()!;
    }

    public static int[] RequireIntArray(JsonElement obj, string field, string path, int line)
    {
        var value = Require(obj, field, path, line);
        if (value.ValueKind != JsonValueKind.Array)
            throw new InputFileException(path, line, field, $"expected an array of integers, got {Describe(value)}");
        var result = new int[value.GetArrayLength()];
        int i = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out result[i]))
                throw new InputFileException(path, line, $"{field}[{i}]", $"expected an integer, got {Describe(item)}");
            i++;
        }
        return result;
    }

    private static JsonElement Require(JsonElement obj, string field, string path, int line) =>
        obj.TryGetProperty(field, out var value)
            ? value
            : throw new InputFileException(path, line, field, "missing");

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.String => $"the string {value.GetRawText()}",
        JsonValueKind.Null => "null",
        _ => value.ValueKind.ToString().ToLowerInvariant(),
    };

    private static string FirstSentence(string message)
    {
        int cut = message.IndexOf(". ", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message.TrimEnd('.');
    }
}
