using AprOrleans.Countdown.Problems;
using AprOrleans.Countdown.Tokenization;
using AprOrleans.Reasoning.Runtime;

namespace AprOrleans.Reasoning.Evaluation;

/// <summary>
/// Evaluates a problem set with up to <see cref="EvalSettings.Concurrency"/> problems in flight, so a batching
/// decoder sees a full batch. Problem i uses seed i, so a rerun samples the same way.
/// </summary>
public sealed class Evaluator(IThreadDecoder decoder, CountdownTokenizer tokenizer, EvalSettings settings)
{
    private readonly ProblemEvaluator _evaluator = new(decoder, tokenizer, settings);

    public async Task<(EvalSummary Summary, IReadOnlyList<ProblemOutcome> Outcomes)> RunAsync(
        IReadOnlyList<Problem> problems, IProgress<int>? progress = null, CancellationToken ct = default)
    {
        var outcomes = new ProblemOutcome[problems.Count];
        int done = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, problems.Count),
            new ParallelOptions { MaxDegreeOfParallelism = settings.Concurrency, CancellationToken = ct },
            async (i, token) =>
            {
                outcomes[i] = await _evaluator.EvaluateAsync(problems[i], i, token).ConfigureAwait(false);
                progress?.Report(Interlocked.Increment(ref done));
            }).ConfigureAwait(false);
        return (EvalSummary.From(settings, outcomes), outcomes);
    }
}
