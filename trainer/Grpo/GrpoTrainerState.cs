using System.Text.Json;
using System.Text.Json.Serialization;

namespace AprOrleans.Trainer.Grpo;

/// <summary>
/// grpo_state.json of a GRPO checkpoint: the steps trained, the run's settings, the torch RNG state, the weight
/// version these weights are published as, and the step's metrics. The data position of a GRPO run is the step
/// itself (step s trains on the experiment's groups of step s), so a resumed trainer pulls exactly the groups the
/// killed one would have pulled next. <see cref="Reported"/> says whether the silo acknowledged the step; when it
/// did not (the trainer died between saving and reporting), the resumed trainer publishes and reports it first.
/// </summary>
public sealed record GrpoTrainerState(
    int Step,
    GrpoRunSettings Settings,
    string TorchRngState,
    long WeightVersion,
    GrpoStepStats? LastStep,
    bool Reported)
{
    public const string FileName = "grpo_state.json";

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    public static GrpoTrainerState Read(string directory) => TrainingCheckpoint.ReadState<GrpoTrainerState>(directory, FileName, "GRPO", Options);

    /// <summary>Marks the checkpoint's step as acknowledged by the silo (rewrites only the small state file, atomically).</summary>
    public static void MarkReported(string directory)
    {
        var state = Read(directory) with { Reported = true };
        var path = Path.Combine(directory, FileName);
        var temp = path + ".tmp";
        File.WriteAllText(temp, state.ToJson());
        File.Move(temp, path, overwrite: true);
    }
}
