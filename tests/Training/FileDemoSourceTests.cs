using AprOrleans.Countdown.Problems;
using AprOrleans.Countdown.Solvers;
using AprOrleans.Countdown.Tokenization;
using AprOrleans.Trainer.Data;

namespace AprOrleans.Tests.Training;

public sealed class FileDemoSourceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("apr-filedemos-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Conditioned_demonstrations_carry_their_beam_on_every_parent_sequence_and_validation_too()
    {
        var tokenizer = CountdownTokenizer.Default;
        var solver = new AprSolver(tokenizer);
        var demos = new ProblemGenerator(3, seed: 4).Take(40).Select((p, i) => solver.Solve(p, new Random(i))).ToList();
        var path = Path.Combine(_dir, "demos.jsonl");
        File.WriteAllLines(path, demos.Select(DemonstrationFile.ToJson));

        var source = new FileDemoSource(path, seed: 1, tokenizer, maxLength: 1024, sequencesPerPool: 4096,
                                        conditioner: new DemoConditioner(1, 1, 1024));
        var texts = source.Pool(0).Concat(source.Validation).Select(ids => tokenizer.Decode(ids)).ToList();
        int parents = demos.Sum(d => d.Sequences.Count(s => s.Level == 0));
        var labelled = texts.Where(t => t.StartsWith("Sub Call Budget: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(parents, labelled.Count);
        // Each label is that demonstration's own beam.
        foreach (var demo in demos)
        {
            string root = demo.Sequences[0].Text.Split('\n')[1]; // "Current State: …" names the problem
            var own = labelled.Where(t => t.Contains(root, StringComparison.Ordinal)).ToList();
            Assert.Equal(demo.Sequences.Count(s => s.Level == 0), own.Count);
            Assert.All(own, t => Assert.StartsWith($"Sub Call Budget: {demo.Beam} Moving to Node #0\n", t));
        }
    }
}
