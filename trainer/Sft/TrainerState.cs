using System.Text.Json;
using System.Text.Json.Serialization;
using AprOrleans.Trainer.Data;

namespace AprOrleans.Trainer.Sft;

/// <summary>
/// trainer_state.json of a training checkpoint: the step reached, where the data stream stands, the run's
/// settings, the torch RNG state, and counters. With the weights and the optimizer state beside it, it is all a
/// resumed run needs to continue exactly.
/// </summary>
public sealed record TrainerState(
    int Step,
    DataPosition Data,
    SftSettings Settings,
    string TorchRngState,
    long RealTokens,
    long PaddedTokens)
{
    public const string FileName = "trainer_state.json";

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    public static TrainerState Read(string directory) => TrainingCheckpoint.ReadState<TrainerState>(directory, FileName, "training", Options);
}
