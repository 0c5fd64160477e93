namespace AprOrleans.Reasoning.Evaluation;

/// <summary>
/// How a problem is attacked: <see cref="Apr"/> lets the model spawn children; <see cref="Serial"/> is one
/// SoS+-style thread that may not spawn; <see cref="SelfConsistency"/> draws n serial samples and reports
/// the majority answer (cons@n) and whether any sample was right (pass@n).
/// </summary>
public enum EvalMode
{
    Apr,
    Serial,
    SelfConsistency,
}

public static class EvalModes
{
    public static string Name(EvalMode mode) => mode switch
    {
        EvalMode.Apr => "apr",
        EvalMode.Serial => "serial",
        EvalMode.SelfConsistency => "sc",
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };

    public static bool TryParse(string text, out EvalMode mode)
    {
        switch (text)
        {
            case "apr": mode = EvalMode.Apr; return true;
            case "serial": mode = EvalMode.Serial; return true;
            case "sc": mode = EvalMode.SelfConsistency; return true;
            default: mode = default; return false;
        }
    }
}
