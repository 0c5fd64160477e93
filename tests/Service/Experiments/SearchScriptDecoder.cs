using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using AprOrleans.Countdown.Problems;
using AprOrleans.Countdown.Solvers;
using AprOrleans.Countdown.Tokenization;
using AprOrleans.Grains.Decoding;
using AprOrleans.Reasoning.Runtime;

namespace AprOrleans.Tests.Service.Experiments;

/// <summary>
/// A deterministic stand-in "model" for any Countdown problem: it continues a root prompt with the serial trace
/// the SoS+ symbolic solver writes for that problem, seeded by the request's sampling seed (small beams fail
/// sometimes, so rewards are a mix of 0 and 1). Every token gets log-prob −0.5 and weight version 0. The
/// subject of the tests using it is the experiment service around the decoder, not the model.
/// </summary>
internal sealed partial class SearchScriptDecoder(ConcurrentQueue<string>? seen = null) : IThreadDecoder
{
    private static readonly CountdownTokenizer Tokenizer = CountdownTokenizer.Default;

    public Task<DecodeResult> DecodeAsync(DecodeRequest request, CancellationToken cancellationToken = default)
    {
        var context = Tokenizer.Decode(request.Context);
        seen?.Enqueue(context);
        var state = StateRegex().Match(context);
        if (!state.Success) throw new InvalidOperationException($"the script continues root prompts only, not:\n{context}");
        var problem = new Problem([.. state.Groups["nums"].Value.Split(", ").Select(int.Parse)], int.Parse(state.Groups["target"].Value));
        var trace = new SosPlusSolver(Tokenizer).Solve(problem, new Random(unchecked((int)request.Sampling.Seed))).Sequences[0].Text;
        if (!trace.StartsWith(context, StringComparison.Ordinal))
            throw new InvalidOperationException($"the solver's trace does not start with the context:\n{context}");
        var tokens = new List<int>();
        var stop = DecodeStop.TokenLimit;
        foreach (var token in Tokenizer.Encode(trace[context.Length..], addEos: true))
        {
            if (tokens.Count == request.MaxNewTokens) break;
            tokens.Add(token);
            if (token == Tokenizer.EosId) { stop = DecodeStop.EndOfSequence; break; }
            if (request.StopTokens.Contains(token)) { stop = DecodeStop.StopToken; break; }
        }
        return Task.FromResult(new DecodeResult(
            tokens, [.. tokens.Select(_ => -0.5f)], [.. tokens.Select(_ => 0L)], stop, TimeSpan.Zero, TimeSpan.FromMilliseconds(tokens.Count)));
    }

    [GeneratedRegex(@"^Moving to Node #0\nCurrent State: (?<target>\d+):\[(?<nums>[\d, ]+)\], Operations: \[\]$")]
    private static partial Regex StateRegex();
}

/// <summary>Every device of a silo gets a <see cref="SearchScriptDecoder"/>; <see cref="Seen"/> holds every context it was asked to continue.</summary>
internal sealed class SearchScriptDecoderFactory : IDecoderFactory
{
    public ConcurrentQueue<string> Seen { get; } = new();

    public IThreadDecoder Create(string device) => new SearchScriptDecoder(Seen);
}

/// <summary>
/// A batcher whose device has died: every decode waits until <see cref="Kill"/>, then fails (as a lost GPU would).
/// Records that a decode arrived, so a test knows rollouts were placed on its silo.
/// </summary>
internal sealed class DyingDecoderFactory : IDecoderFactory
{
    private readonly CancellationTokenSource _dead = new();
    private int _requests;

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Every context this batcher was asked to continue (as text, like <see cref="SearchScriptDecoderFactory.Seen"/>).</summary>
    public ConcurrentQueue<string> Seen { get; } = new();

    public void Kill() => _dead.Cancel();

    public IThreadDecoder Create(string device) => new Decoder(this);

    private sealed class Decoder(DyingDecoderFactory owner) : IThreadDecoder
    {
        public async Task<DecodeResult> DecodeAsync(DecodeRequest request, CancellationToken cancellationToken = default)
        {
            owner.Seen.Enqueue(CountdownTokenizer.Default.Decode(request.Context));
            Interlocked.Increment(ref owner._requests);
            await Task.Delay(Timeout.Infinite, owner._dead.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            throw new InvalidOperationException("the device is gone");
        }
    }
}
