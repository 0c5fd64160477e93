using System.CommandLine;
using AprOrleans.Countdown.Tokenization;

namespace AprOrleans.Client.Commands;

/// <summary>`apr data vocab`: writes the tokenizer's vocabulary file.</summary>
public static class VocabCommand
{
    public static Command Build()
    {
        var output = new Option<string>("--out") { Description = "vocabulary file (JSON array of tokens)", Required = true };
        var command = new Command("vocab", "Write the domain tokenizer's vocabulary") { output };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(output)!;
            CountdownTokenizer.Default.Save(path);
            Console.Error.WriteLine($"wrote {CountdownTokenizer.Default.VocabularySize} tokens to {path}");
            return 0;
        });
        return command;
    }
}
