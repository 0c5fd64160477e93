using System.Diagnostics;
using AprOrleans.Countdown.Tokenization;
using AprOrleans.Countdown.Trace;

namespace AprOrleans.Reasoning.Runtime;

/// <summary>
/// Runs a spawn/join tree (DESIGN §3) over any <see cref="IThreadDecoder"/>. A thread decodes until
/// end-of-sequence, a limit, or a stop marker: on <c>&lt;Sub Searches&gt;</c> (which the model must never write)
/// the marker is replaced by <c>&lt;Calling Sub Searches&gt;</c> and decoding goes on; on
/// <c>&lt;End Calling Sub Searches&gt;</c> the spawn block is parsed, every child runs concurrently from a context
/// rebuilt from the parent's trace, the join waits for all of them, and the parent resumes from its pre-spawn
/// tokens followed by the join block (so an engine can reuse the pre-spawn KV cache).
/// </summary>
public sealed class SpawnJoinRuntime
{
    private readonly IThreadDecoder _decoder;
    private readonly CountdownTokenizer _tokenizer;
    private readonly TreeLimits _limits;
    private readonly HashSet<int> _stopTokens;
    private readonly int _callingId, _endCallingId, _subSearchesId;

    public SpawnJoinRuntime(IThreadDecoder decoder, CountdownTokenizer tokenizer, TreeLimits limits)
    {
        if (limits.Validate() is { } fault) throw new ArgumentException(fault, nameof(limits));
        _decoder = decoder;
        _tokenizer = tokenizer;
        _limits = limits;
        _callingId = tokenizer.IdOf(TraceLiterals.CallingSubSearches);
        _endCallingId = tokenizer.IdOf(TraceLiterals.EndCallingSubSearches);
        _subSearchesId = tokenizer.IdOf(TraceLiterals.SubSearches);
        _stopTokens = [_endCallingId, _subSearchesId];
    }

    /// <summary>Runs the tree rooted at <paramref name="rootPrompt"/> (e.g. <see cref="TraceFormat.ThreadPrompt"/>).</summary>
    public Task<ThreadResult> RunAsync(string rootPrompt, SamplingSettings sampling, CancellationToken cancellationToken = default) =>
        RunThreadAsync("0", 0, rootPrompt, new TokenBudget(_limits.MaxTotalTokens), sampling, cancellationToken);

    private async Task<ThreadResult> RunThreadAsync(
        string nodeId, int level, string prompt, TokenBudget budget, SamplingSettings sampling, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var state = new ThreadState(_tokenizer.Encode(prompt, addBos: true));
        var spawns = new List<IReadOnlyList<ThreadResult>>();
        ThreadEnd end;
        string? detail = null;

        while (true)
        {
            int room = _limits.MaxTokensPerThread - state.Context.Count;
            if (room <= 0) { end = ThreadEnd.ThreadTokenLimit; detail = $"context reached {_limits.MaxTokensPerThread} tokens"; break; }
            int granted = budget.Reserve(room);
            if (granted == 0) { end = ThreadEnd.TreeTokenLimit; detail = $"the tree generated {_limits.MaxTotalTokens} tokens"; break; }

            var result = await _decoder.DecodeAsync(new DecodeRequest(state.Context.ToArray(), granted, _stopTokens, sampling), ct).ConfigureAwait(false);
            budget.Release(granted - result.Tokens.Count);
            state.Append(result);

            if (result.Stop == DecodeStop.EndOfSequence) { end = ThreadEnd.Finished; break; }
            if (result.Stop == DecodeStop.TokenLimit)
            {
                (end, detail) = granted < room
                    ? (ThreadEnd.TreeTokenLimit, $"the tree generated {_limits.MaxTotalTokens} tokens")
                    : (ThreadEnd.ThreadTokenLimit, $"context reached {state.Context.Count} tokens (limit {_limits.MaxTokensPerThread}, or the decoder's window)");
                break;
            }
            int last = state.Context[^1];
            if (last == _subSearchesId)
            {
                // DESIGN §3: the model must never write the join marker; treat it as the start of a spawn.
                state.ReplaceLast(_callingId);
                continue;
            }
            if (last != _endCallingId) throw new InvalidOperationException($"decoder stopped on token {last}, which is not a stop token");

            var spawn = TryPlanSpawn(state, level, spawns.Count, out end, out detail);
            if (spawn is null) break;
            var children = await Task.WhenAll(spawn.Value.Prompts.Select((childPrompt, i) =>
                RunThreadAsync(spawn.Value.Block.Children[i].NodeId, level + 1, childPrompt, budget, sampling, ct))).ConfigureAwait(false);
            spawns.Add(children);

            var outcomes = children.Select((c, i) => new ChildOutcome(spawn.Value.Block.Children[i], c.Answer)).ToList();
            state.ResumeAfterJoin(_callingId, _tokenizer.Encode(JoinBlock.Render(outcomes)));
        }

        state.CloseSegment();
        var text = _tokenizer.Decode(state.Context);
        string? answer = end == ThreadEnd.Finished ? AnswerExtractor.Extract(text) : null;
        return new ThreadResult(nodeId, level, prompt, text, state.Segments, spawns, end, detail, answer, started, clock.Elapsed);
    }

    private (SpawnBlock Block, string[] Prompts)? TryPlanSpawn(ThreadState state, int level, int spawnsSoFar, out ThreadEnd end, out string? detail)
    {
        end = ThreadEnd.Finished;
        detail = null;
        state.CloseSegment();
        try
        {
            var block = SpawnBlock.Parse(_tokenizer.Decode(state.Context));
            if (spawnsSoFar >= _limits.MaxSpawnsPerThread)
                (end, detail) = (ThreadEnd.SpawnLimit, $"spawn {spawnsSoFar + 1} exceeds {_limits.MaxSpawnsPerThread} per thread");
            else if (level + 1 > _limits.MaxDepth)
                (end, detail) = (ThreadEnd.DepthLimit, $"children at level {level + 1} exceed depth {_limits.MaxDepth}");
            else if (block.Children.Count > _limits.MaxChildrenPerSpawn)
                (end, detail) = (ThreadEnd.ChildrenLimit, $"{block.Children.Count} children exceed {_limits.MaxChildrenPerSpawn} per spawn");
            else
                return (block, block.Children.Select(c => ChildContext.Prompt(block.TextBeforeBlock, c.NodeId)).ToArray());
            return null;
        }
        catch (TraceFormatException e)
        {
            (end, detail) = (ThreadEnd.InvalidSpawn, e.Message);
            return null;
        }
    }
}
