using AprOrleans.Countdown.IO;

namespace AprOrleans.Countdown.Checking;

/// <summary>Answer files: JSON Lines <c>{"answer": "&lt;solution path text&gt;"}</c>, line i answering problem i.</summary>
public static class AnswerFile
{
    public static List<string> Read(string path) =>
        [.. JsonLinesReader.ReadObjects(path).Select(x => JsonLinesReader.RequireString(x.Object, "answer", path, x.Line))];
}
