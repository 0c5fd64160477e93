using AprOrleans.Countdown.Problems;
using AprOrleans.Countdown.Tokenization;
using AprOrleans.Countdown.Trace;

namespace AprOrleans.Countdown.Solvers;

/// <summary>
/// APR demonstrations: the same beam search, parent beam drawn from [1, 10] and child beam from
/// [parent beam, 15]; at level 0, after expanding a node with more than one kept non-terminal successor,
/// all of them are handed to children with probability 0.9 (the released code; the paper's text says 10%).
/// Delegated nodes are not re-queued by the parent.
/// </summary>
public sealed class AprSolver(CountdownTokenizer tokenizer, int minBeam = 1, int maxBeam = 10, int maxChildBeam = 15, double spawnProbability = 0.9,
    SuccessorOrder order = SuccessorOrder.Shuffled) : ISolver
{
    public string Name => "apr";

    public Demonstration Solve(Problem problem, Random random)
    {
        int beam = random.Next(minBeam, maxBeam + 1);
        int childBeam = random.Next(beam, Math.Max(beam, maxChildBeam) + 1);
        var settings = new SearchSettings
        {
            Beam = beam,
            ChildBeam = childBeam,
            SpawnProbability = spawnProbability,
            MaxSpawnLevel = 1,
            Order = order,
        };
        var root = new BeamSearchThread(settings, random, level: 0, problem.Target).Run(SearchNode.Root(problem.Nums, problem.Target));
        return DemonstrationBuilder.Build(problem, Name, beam, root, tokenizer);
    }
}
