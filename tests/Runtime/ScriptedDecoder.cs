using AprOrleans.Countdown.Tokenization;
using AprOrleans.Reasoning.Runtime;

namespace AprOrleans.Tests.Runtime;

/// <summary>
/// A decoder whose "model" is a function from the context text to the text it would write next. It honours
/// stop tokens and token limits exactly like an engine, so the runtime under test cannot tell the difference.
/// </summary>
internal sealed class ScriptedDecoder(Func<string, string> script) : IThreadDecoder
{
    private static readonly CountdownTokenizer Tokenizer = CountdownTokenizer.Default;
    private int _calls;

    public int Calls => _calls;
    public List<string> Contexts { get; } = [];

    public Task<DecodeResult> DecodeAsync(DecodeRequest request, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _calls);
        var context = Tokenizer.Decode(request.Context);
        lock (Contexts) Contexts.Add(context);
        var continuation = Tokenizer.Encode(script(context), addEos: true);
        var tokens = new List<int>();
        var stop = DecodeStop.TokenLimit;
        foreach (var token in continuation)
        {
            if (tokens.Count == request.MaxNewTokens) break;
            tokens.Add(token);
            if (token == Tokenizer.EosId) { stop = DecodeStop.EndOfSequence; break; }
            if (request.StopTokens.Contains(token)) { stop = DecodeStop.StopToken; break; }
        }
        return Task.FromResult(new DecodeResult(
            tokens, [.. tokens.Select(_ => -0.5f)], [.. tokens.Select(_ => 7L)], stop, TimeSpan.Zero, TimeSpan.FromMilliseconds(tokens.Count)));
    }
}
