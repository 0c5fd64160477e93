using AprOrleans.Countdown.Problems;
using AprOrleans.Countdown.Tokenization;
using AprOrleans.Countdown.Trace;

namespace AprOrleans.Countdown.Solvers;

/// <summary>
/// SoS+ (the serial baseline): beam search with a beam drawn uniformly from [<see cref="MinBeam"/>, <see cref="MaxBeam"/>],
/// and with probability 0.5 after an expansion an inline depth-first sub-search over the kept successors.
/// One sequence per problem.
/// </summary>
public sealed class SosPlusSolver(CountdownTokenizer tokenizer, int minBeam = 1, int maxBeam = 5, double inlineProbability = 0.5,
    SuccessorOrder order = SuccessorOrder.Shuffled) : ISolver
{
    public string Name => "sosp";
    public int MinBeam { get; } = minBeam;
    public int MaxBeam { get; } = maxBeam;

    public Demonstration Solve(Problem problem, Random random)
    {
        int beam = random.Next(MinBeam, MaxBeam + 1);
        var settings = new SearchSettings { Beam = beam, InlineSubSearchProbability = inlineProbability, Order = order };
        var root = new BeamSearchThread(settings, random, level: 0, problem.Target).Run(SearchNode.Root(problem.Nums, problem.Target));
        return DemonstrationBuilder.Build(problem, Name, beam, root, tokenizer);
    }
}
