using AprOrleans.Countdown.Arithmetic;
using AprOrleans.Countdown.Solvers;
using AprOrleans.Countdown.Tokenization;
using AprOrleans.Countdown.Trace;
using CsCheck;

namespace AprOrleans.Tests.Countdown;

public class SuccessorOrderTests
{
    private static Demonstration Solve(string solver, int numbers, int index, SuccessorOrder order) =>
        SolverFactory.Create(solver, CountdownTokenizer.Default, new BeamRange(1, solver == "apr" ? 10 : 5), order)
            .Solve(DemoSamples.ProblemFor(numbers, index), new Random(DeterministicSeed.For(7, index)));

    /// <summary>
    /// For each expansion (a Current State line and the Exploring lines after it), the index of each explored
    /// operation among the state's successors in generation order (pairs left to right, then + * - /), matched
    /// in turn so that equal operations on repeated numbers take successive places; -1 when none is left.
    /// </summary>
    private static IEnumerable<List<int>> ExplorationOrders(string text)
    {
        List<int>? current = null;
        List<Operation> generated = [];
        foreach (var raw in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var line = TraceParser.Parse(raw);
            if (line.Kind == TraceLineKind.CurrentState)
            {
                if (current is not null) yield return current;
                current = [];
                var nums = line.Nums;
                generated = [.. Enumerable.Range(0, nums.Length).SelectMany(i => Enumerable.Range(i + 1, nums.Length - i - 1)
                    .SelectMany(j => Operation.AllOn(nums[i], nums[j])))];
            }
            else if (line.Kind == TraceLineKind.Exploring && current is not null)
            {
                var op = line.Op!.Value;
                int from = current.Count == 0 ? 0 : current[^1] + 1;
                int at = generated.FindIndex(Math.Min(from, generated.Count), o => o == op);
                current.Add(at < 0 ? generated.IndexOf(op) : at);
            }
        }
        if (current is not null) yield return current;
    }

    private static bool Ascending(List<int> order) => order.Zip(order.Skip(1)).All(p => p.First < p.Second);

    [Fact]
    public void In_generation_order_every_expansion_explores_its_successors_in_the_order_they_are_generated() =>
        Gen.Select(Gen.OneOfConst("apr", "sosp"), Gen.Int[3, 5], Gen.Int[0, 10_000]).Sample((solver, numbers, index) =>
        {
            var demo = Solve(solver, numbers, index, SuccessorOrder.Generated);
            foreach (var order in demo.Sequences.SelectMany(s => ExplorationOrders(s.Text)))
            {
                Assert.DoesNotContain(-1, order);
                Assert.True(Ascending(order), $"{solver} {demo.Problem}: explored in order {string.Join(",", order)}");
            }
        }, iter: 100);

    [Fact]
    public void In_generation_order_a_spawn_hands_out_the_nodes_in_the_order_they_were_printed() =>
        Gen.Select(Gen.Int[3, 5], Gen.Int[0, 10_000]).Sample((numbers, index) =>
        {
            var demo = Solve("apr", numbers, index, SuccessorOrder.Generated);
            foreach (var segment in demo.Sequences.Where(s => s.Role == "parent" && SpawnBlock.EndsWithSpawn(s.Text)))
            {
                var spawn = SpawnBlock.Parse(segment.Text);
                var printed = spawn.TextBeforeBlock.Split('\n')
                    .Where(l => l.StartsWith(TraceLiterals.GeneratedNode, StringComparison.Ordinal))
                    .Select(l => TraceParser.Parse(l).NodeId!)
                    .Where(id => spawn.Children.Any(c => c.NodeId == id))
                    .ToList();
                Assert.Equal(printed, spawn.Children.Select(c => c.NodeId));
            }
        }, iter: 100);

    [Fact]
    public void The_papers_shuffled_order_stays_the_default()
    {
        var shuffled = Enumerable.Range(0, 20).Select(i => DemoSamples.Apr(4, i)).SelectMany(d => d.Sequences).SelectMany(s => ExplorationOrders(s.Text));
        Assert.Contains(shuffled, order => !Ascending(order));
    }
}
