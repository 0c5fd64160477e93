using AprOrleans.Countdown.Tokenization;
using AprOrleans.Countdown.Trace;
using AprOrleans.Grains.Batching;
using AprOrleans.Grains.Decoding;
using AprOrleans.Interfaces.Solving;
using AprOrleans.Reasoning.Runtime;

namespace AprOrleans.Grains.Solving;

/// <summary>
/// The runtime's decoder inside a solve: forwards every decode request to one of this silo's batching grains and
/// records the finished segment for streaming clients (when there is a log: rollouts stream nothing).
/// </summary>
internal sealed class BatcherDecoder(LocalBatchers batchers, SegmentLog? log, CountdownTokenizer tokenizer) : IThreadDecoder
{
    private const string NodePrefix = TraceLiterals.MovingToNode;

    public async Task<DecodeResult> DecodeAsync(DecodeRequest request, CancellationToken cancellationToken = default)
    {
        var reply = await batchers.Next().Decode(request.ToWire(), cancellationToken).ConfigureAwait(false);
        var result = reply.FromWire();
        log?.Append(sequence => new SegmentEvent(
            sequence,
            NodeOf(request.Context),
            tokenizer.Decode(result.Tokens),
            result.Tokens.Count,
            result.Stop.ToString(),
            ThreadDone: result.Stop != DecodeStop.StopToken));
        return result;
    }

    /// <summary>A thread's context starts with its prompt, <c>Moving to Node #id</c> (DESIGN §3).</summary>
    private string NodeOf(IReadOnlyList<int> context)
    {
        var head = tokenizer.Decode(context.Take(64).ToList());
        int start = head.IndexOf(NodePrefix, StringComparison.Ordinal);
        if (start < 0) return "";
        start += NodePrefix.Length;
        int end = head.IndexOf('\n', start);
        return end < 0 ? head[start..] : head[start..end];
    }
}
