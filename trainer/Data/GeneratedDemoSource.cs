using AprOrleans.Countdown.Problems;
using AprOrleans.Countdown.Solvers;
using AprOrleans.Countdown.Tokenization;

namespace AprOrleans.Trainer.Data;

/// <summary>
/// Demonstrations made on the fly: problem i of <see cref="ProblemGenerator"/>(numbers, seed) solved by the chosen
/// solver with Random(DeterministicSeed.For(seed, i)); every demonstration contributes one sequence per parent
/// segment and per child. Pool k holds problems [k·P, (k+1)·P). Pools must be asked for in increasing order
/// (the problem generator is sequential); asking for a later pool first fast-forwards the generator without
/// solving the skipped problems, which is how a resumed run gets back to its position cheaply. A pool's problems
/// are solved in parallel (each with its own seeded Random, so the output does not depend on the thread count):
/// on a GPU the training step is fast enough that a serial solver would be the bottleneck. The conditioner labels a
/// share of the demonstrations with their budget (by problem index; validation problems by -1 - i).
/// </summary>
public sealed class GeneratedDemoSource : ISequenceSource
{
    private readonly ISolver _solver;
    private readonly CountdownTokenizer _tokenizer;
    private readonly ProblemGenerator _problems;
    private readonly int _seed;
    private readonly int _problemsPerPool;
    private readonly int _maxLength;
    private long _nextProblem;
    private long _skipped;
    private readonly DemoConditioner _conditioner;

    /// <param name="exclude">Problem keys never to train on (held-out splits).</param>
    public GeneratedDemoSource(int numbers, string solver, int seed, CountdownTokenizer tokenizer, int maxLength, int problemsPerPool = 128,
                               int validationProblems = 16, IReadOnlyCollection<string>? exclude = null, DemoConditioner? conditioner = null)
    {
        _conditioner = conditioner ?? DemoConditioner.None;
        _solver = SolverFactory.Create(solver, tokenizer);
        _tokenizer = tokenizer;
        _seed = seed;
        _problemsPerPool = problemsPerPool;
        _maxLength = maxLength;
        _problems = new ProblemGenerator(numbers, seed, exclude);
        Description = $"generated: {numbers} numbers, solver {solver}, seed {seed}" + (exclude is { Count: > 0 } ? $", {exclude.Count} problems excluded" : "");

        // Validation problems come from an independent generator stream and independent solver randomness.
        int validationSeed = DeterministicSeed.For(seed, -1);
        var heldOut = new ProblemGenerator(numbers, validationSeed, exclude).Take(validationProblems).ToList();
        var validation = new List<int[]>();
        long skippedValidation = 0; // SkippedTooLong counts training sequences only
        for (int i = 0; i < heldOut.Count; i++)
        {
            var demo = _solver.Solve(heldOut[i], new Random(DeterministicSeed.For(validationSeed, i)));
            validation.AddRange(Encode(_conditioner.Apply(demo, -1 - i), ref skippedValidation));
        }
        Validation = validation;
    }

    public string Description { get; }
    public IReadOnlyList<int[]> Validation { get; }
    public long SkippedTooLong => _skipped;

    public IReadOnlyList<int[]> Pool(long index)
    {
        long first = index * _problemsPerPool;
        if (first < _nextProblem)
            throw new InvalidOperationException($"pool {index} was already produced; pools are generated in order");
        for (; _nextProblem < first; _nextProblem++) _problems.Next();
        var problems = new Problem[_problemsPerPool];
        for (int i = 0; i < problems.Length; i++) problems[i] = _problems.Next();
        var demos = new Demonstration[problems.Length];
        try
        {
            Parallel.For(0, problems.Length, i => demos[i] = _solver.Solve(problems[i], new Random(DeterministicSeed.For(_seed, first + i))));
        }
        catch (AggregateException e)
        {
            // The caller handles the solver's own exception types, as when it ran on one thread.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.Flatten().InnerExceptions[0]).Throw();
        }
        _nextProblem = first + problems.Length;
        var sequences = new List<int[]>();
        for (int i = 0; i < demos.Length; i++) sequences.AddRange(Encode(_conditioner.Apply(demos[i], first + i), ref _skipped));
        return sequences;
    }

    private IEnumerable<int[]> Encode(Demonstration demo, ref long skipped)
    {
        var result = new List<int[]>(demo.Sequences.Count);
        foreach (var sequence in demo.Sequences)
        {
            var ids = _tokenizer.Encode(sequence.Text, addBos: true, addEos: true);
            if (ids.Count > _maxLength) { skipped++; continue; }
            result.Add([.. ids]);
        }
        return result;
    }
}
