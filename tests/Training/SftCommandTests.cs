using System.Text.Json;
using AprOrleans.Countdown.Problems;
using AprOrleans.Trainer.Sft;

namespace AprOrleans.Tests.Training;

public sealed class SftCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("apr-sftcli-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args) => TrainerVerb.Run("sft", args);

    private static List<(int Step, double Loss)> Losses(string run) =>
        [.. File.ReadLines(Path.Combine(run, "metrics.jsonl")).Select(line =>
        {
            var e = JsonDocument.Parse(line).RootElement;
            return (e.GetProperty("step").GetInt32(), e.GetProperty("loss").GetDouble());
        })];

    [Theory]
    [InlineData("fp32")]
    [InlineData("bf16")]
    public void ResumedRunReproducesTheUninterruptedLossCurve(string precision)
    {
        string[] common = ["--preset", "tiny", "--numbers", "3", "--steps", "8", "--batch-tokens", "768", "--lr", "1e-3",
            "--warmup", "2", "--seed", "5", "--eval-every", "0", "--log-every", "100", "--precision", precision];
        var whole = Path.Combine(_root, "whole");
        var (code, output, err) = Run([.. common, "--out", whole, "--save-every", "4"]);
        Assert.True(code == 0, err);
        Assert.Contains("checkpoint", output);
        var reference = Losses(whole);
        Assert.Equal(Enumerable.Range(1, 8), reference.Select(l => l.Step));

        // The step-4 checkpoint is what an interruption after step 4 leaves behind.
        var checkpoint = Path.Combine(whole, "checkpoints", "step-00000004");
        Assert.True(File.Exists(Path.Combine(checkpoint, AprOrleans.Trainer.FlatAdamW.FileName)));
        var resumed = Path.Combine(_root, "resumed");
        (code, _, err) = Run("--resume", checkpoint, "--out", resumed, "--log-every", "100");
        Assert.True(code == 0, err);
        var continued = Losses(resumed);
        Assert.Equal(Enumerable.Range(5, 4), continued.Select(l => l.Step));
        Assert.Equal(reference.Skip(4).Select(l => l.Loss), continued.Select(l => l.Loss));
        // And the loss did move: the comparison is not between constants.
        Assert.NotEqual(reference[0].Loss, reference[^1].Loss);
    }

    [Theory]
    [InlineData("--steps", "ten")]
    [InlineData("--preset", "huge")]
    [InlineData("--lr", "-1")]
    [InlineData("--lr", "0")]
    [InlineData("--weight-decay", "-0.1")]
    [InlineData("--device", "cuda:")]
    [InlineData("--device", "tpu")]
    [InlineData("--precision", "fp16")]
    [InlineData("--solver", "magic")]
    [InlineData("--frobnicate", "1")]
    [InlineData("--demos", "/nonexistent/demos.jsonl")]
    [InlineData("--exclude", "/nonexistent/heldout.jsonl")]
    [InlineData("--context", "8")]
    [InlineData("--budget-prefix", "1.5")]
    [InlineData("--budget-prefix", "-0.1")]
    public void BadOptionsExitWithCodeTwoAndOneLine(string option, string value)
    {
        var (code, output, err) = Run(option, value, "--out", Path.Combine(_root, "bad"));
        Assert.Equal(2, code);
        Assert.Equal("", output);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains(option.TrimStart('-'), lines[0]);
    }

    [Theory]
    [InlineData("{ not json", null, "not JSON")]
    [InlineData("[]", null, "not a JSON object")]
    [InlineData("{ not json", "tiny", "not JSON")]
    [InlineData("{\"architectures\": 3}", null, "field 'architectures' has the wrong type")]
    public void AnInitCheckpointWithABrokenConfigIsABadOption(string configJson, string? preset, string message)
    {
        var broken = Directory.CreateDirectory(Path.Combine(_root, "broken")).FullName;
        File.WriteAllBytes(Path.Combine(broken, "model.safetensors"), []);
        File.WriteAllText(Path.Combine(broken, "config.json"), configJson);
        string[] args = ["--init", broken, "--numbers", "3", "--steps", "1", "--out", Path.Combine(_root, "bad")];
        var (code, output, err) = Run(preset is null ? args : [.. args, "--preset", preset]);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Contains("--init", err);
        Assert.Contains("config.json", err);
        Assert.Contains(message, err);
    }

    [Fact]
    public void TrainsFromADemonstrationFileWithValidation()
    {
        var tokenizer = AprOrleans.Countdown.Tokenization.CountdownTokenizer.Default;
        var solver = new AprOrleans.Countdown.Solvers.AprSolver(tokenizer);
        var problems = new AprOrleans.Countdown.Problems.ProblemGenerator(3, seed: 9).Take(25).ToList();
        var path = Path.Combine(_root, "demos.jsonl");
        File.WriteAllLines(path, problems.Select((p, i) =>
            AprOrleans.Countdown.Solvers.DemonstrationFile.ToJson(solver.Solve(p, new Random(i)))));
        var run = Path.Combine(_root, "fromfile");
        var (code, output, err) = Run("--demos", path, "--steps", "3", "--batch-tokens", "512", "--eval-every", "3", "--out", run);
        Assert.True(code == 0, err);
        Assert.Contains("file " + path, output);
        Assert.Matches(@"eval step 3 val_loss \d+\.\d+", output);
        Assert.Matches(@"step 3/3 loss [0-9.]+ lr \S+ grad \S+ tok/s \d+ pad [0-9.]+ ?% eta \S+ tok/step \d+", output);
        Assert.Equal(3, Losses(run).Count);
    }

    [Fact]
    public void ContextAndExclusionsAreSavedWithTheRunAndKeptOnResume()
    {
        var heldOut = Path.Combine(_root, "heldout.jsonl");
        ProblemFile.Write(heldOut, new ProblemGenerator(3, seed: 9).Take(5));
        var run = Path.Combine(_root, "context");
        var (code, output, err) = Run("--steps", "1", "--batch-tokens", "256", "--eval-every", "0", "--out", run,
            "--context", "512", "--exclude", heldOut);
        Assert.True(code == 0, err);
        Assert.Contains("5 problems excluded", output);
        var checkpoint = Path.Combine(run, "checkpoints", "step-00000001");
        var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(checkpoint, "config.json"))).RootElement;
        Assert.Equal(512, config.GetProperty("max_position_embeddings").GetInt32());

        (code, _, err) = Run("--resume", checkpoint, "--context", "1024");
        Assert.Equal(2, code);
        Assert.Contains("--context", err);
        (code, output, err) = Run("--resume", checkpoint, "--steps", "2");
        Assert.True(code == 0, err);
        Assert.Contains("5 problems excluded", output);

        // A warm start from it keeps its 512 positions without repeating --context.
        var warm = Path.Combine(_root, "warm");
        (code, _, err) = Run("--init", checkpoint, "--steps", "1", "--batch-tokens", "256", "--eval-every", "0", "--out", warm);
        Assert.True(code == 0, err);
        var warmConfig = JsonDocument.Parse(File.ReadAllText(Path.Combine(warm, "checkpoints", "step-00000001", "config.json"))).RootElement;
        Assert.Equal(512, warmConfig.GetProperty("max_position_embeddings").GetInt32());

        // RoPE has no weights: a warm start may lengthen the context (all weights still load).
        var longer = Path.Combine(_root, "longer");
        (code, _, err) = Run("--init", checkpoint, "--context", "1024", "--steps", "1", "--batch-tokens", "256", "--eval-every", "0", "--out", longer);
        Assert.True(code == 0, err);
        var longerConfig = JsonDocument.Parse(File.ReadAllText(Path.Combine(longer, "checkpoints", "step-00000001", "config.json"))).RootElement;
        Assert.Equal(1024, longerConfig.GetProperty("max_position_embeddings").GetInt32());
        // Another preset than the checkpoint's is a bad option, named before any work starts.
        (code, _, err) = Run("--init", checkpoint, "--preset", "small", "--steps", "1", "--out", Path.Combine(_root, "other"));
        Assert.Equal(2, code);
        Assert.Contains("--preset small: --init", err);
        Assert.Contains("holds a tiny model", err);
        Assert.False(Directory.Exists(Path.Combine(_root, "other")));
    }

    [Fact]
    public void BudgetPrefixIsSavedWithTheRunAndKeptOnResume()
    {
        var run = Path.Combine(_root, "budget");
        var (code, _, err) = Run("--steps", "1", "--batch-tokens", "256", "--eval-every", "0", "--out", run, "--budget-prefix", "0.5");
        Assert.True(code == 0, err);
        var checkpoint = Path.Combine(run, "checkpoints", "step-00000001");
        Assert.Equal(0.5, TrainerState.Read(checkpoint).Settings.BudgetPrefix);
        (code, _, err) = Run("--resume", checkpoint, "--budget-prefix", "1");
        Assert.Equal(2, code);
        Assert.Contains("--budget-prefix", err);
        (code, _, err) = Run("--resume", checkpoint, "--steps", "2", "--budget-prefix", "0.5");
        Assert.True(code == 0, err);
    }

    [Fact]
    public void ResumeAutoStartsTheRunAndARerunOfTheSameCommandContinuesFromItsNewestCheckpoint()
    {
        var run = Path.Combine(_root, "auto");
        string[] command = ["--resume", "auto", "--preset", "tiny", "--numbers", "3", "--steps", "8", "--batch-tokens", "768",
            "--lr", "1e-3", "--warmup", "2", "--seed", "5", "--eval-every", "0", "--log-every", "100", "--save-every", "4", "--out", run];
        var (code, output, err) = Run(command);
        Assert.True(code == 0, err);
        Assert.Contains("from step 0 to 8", output);
        var reference = Losses(run);

        // A process killed between the step-4 and step-8 saves leaves step 4 as the newest whole checkpoint (a save
        // in progress is a hidden temporary directory).
        Directory.Delete(Path.Combine(run, "checkpoints", "step-00000008"), recursive: true);
        Directory.CreateDirectory(Path.Combine(run, "checkpoints", ".step-00000008.tmp-1-x"));
        (code, output, err) = Run(command);
        Assert.True(code == 0, err);
        Assert.Contains("from step 4 to 8", output);
        Assert.Equal(reference, Losses(run));
    }

    [Fact]
    public void TokenBudgetStepIsSavedWithTheRunAndKeptOnResume()
    {
        var run = Path.Combine(_root, "token-step");
        var (code, _, err) = Run("--solver", "sosp", "--steps", "1", "--batch-tokens", "256", "--eval-every", "0", "--out", run,
            "--budget-prefix", "1", "--token-budget-step", "128");
        Assert.True(code == 0, err);
        var checkpoint = Path.Combine(run, "checkpoints", "step-00000001");
        Assert.Equal(128, TrainerState.Read(checkpoint).Settings.TokenBudgetStep);
        // The SoS+ solver's two names are one solver: either resumes the run, another solver does not.
        (code, _, err) = Run("--resume", checkpoint, "--solver", "sos", "--steps", "1");
        Assert.True(code == 0, err);
        (code, _, err) = Run("--resume", checkpoint, "--solver", "apr", "--steps", "1");
        Assert.Equal(2, code);
        Assert.Contains("--solver apr differs", err);
        (code, _, err) = Run("--resume", checkpoint, "--token-budget-step", "512");
        Assert.Equal(2, code);
        Assert.Contains("--token-budget-step 512 differs from the checkpoint's 128", err);
        (code, _, err) = Run("--steps", "1", "--out", Path.Combine(_root, "zero-step"), "--token-budget-step", "0");
        Assert.Equal(2, code);
        Assert.Contains("--token-budget-step", err);
    }

    [Fact]
    public void AccumulateIsSavedWithTheRunAndKeptOnResume()
    {
        var run = Path.Combine(_root, "accumulate");
        var (code, output, err) = Run("--steps", "1", "--batch-tokens", "256", "--accumulate", "2", "--eval-every", "0", "--out", run);
        Assert.True(code == 0, err);
        Assert.Contains("2 × 256 padded tokens per step", output);
        var checkpoint = Path.Combine(run, "checkpoints", "step-00000001");
        Assert.Equal(2, TrainerState.Read(checkpoint).Settings.Accumulate);
        (code, _, err) = Run("--resume", checkpoint, "--steps", "2", "--accumulate", "1");
        Assert.Equal(2, code);
        Assert.Contains("--accumulate 1 differs from the checkpoint's 2", err);
        (code, _, err) = Run("--steps", "1", "--out", Path.Combine(_root, "zero-accumulate"), "--accumulate", "0");
        Assert.Equal(2, code);
        Assert.Contains("--accumulate 0: expected 1..", err);
        (code, _, err) = Run("--resume", checkpoint, "--steps", "2", "--accumulate", "2");
        Assert.True(code == 0, err);
    }

    [Fact]
    public void ExclusionsApplyToGeneratedDataOnly()
    {
        var demos = Path.Combine(_root, "demos.jsonl");
        File.WriteAllText(demos, "");
        var (code, _, err) = Run("--demos", demos, "--exclude", demos, "--out", Path.Combine(_root, "x"));
        Assert.Equal(2, code);
        Assert.Contains("--exclude", err);
    }

    [Fact]
    public void ResumeRefusesAChangedSeed()
    {
        var run = Path.Combine(_root, "seeded");
        var (code, _, err) = Run("--steps", "1", "--batch-tokens", "256", "--eval-every", "0", "--out", run, "--seed", "3");
        Assert.True(code == 0, err);
        (code, _, err) = Run("--resume", Path.Combine(run, "checkpoints", "step-00000001"), "--seed", "4");
        Assert.Equal(2, code);
        Assert.Contains("--seed", err);
    }
}
