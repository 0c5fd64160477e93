namespace AprOrleans.Countdown.Solvers;

/// <summary>Running totals over demonstrations: the numbers reported next to the paper's.</summary>
public sealed class DemoStatistics
{
    public int Count { get; private set; }
    public int Solved { get; private set; }
    public long TotalTokens { get; private set; }
    public int MaxTokens { get; private set; }
    public long SequentialTokens { get; private set; }
    public int MaxSequentialTokens { get; private set; }
    public long Chars { get; private set; }
    public long Spawns { get; private set; }
    public long Children { get; private set; }
    public long Sequences { get; private set; }
    public int WithSpawn { get; private set; }

    public void Add(Demonstration d)
    {
        Count++;
        if (d.Solved) Solved++;
        TotalTokens += d.TotalTokens;
        MaxTokens = Math.Max(MaxTokens, d.TotalTokens);
        SequentialTokens += d.SequentialTokens;
        MaxSequentialTokens = Math.Max(MaxSequentialTokens, d.SequentialTokens);
        Chars += d.TotalChars;
        Spawns += d.ChildrenPerSpawn.Count;
        Children += d.ChildrenPerSpawn.Sum();
        Sequences += d.Sequences.Count;
        if (d.ChildrenPerSpawn.Count > 0) WithSpawn++;
    }

    public double SolvedFraction => Count == 0 ? 0 : (double)Solved / Count;
    public double MeanTokens => Count == 0 ? 0 : (double)TotalTokens / Count;
    public double MeanSequentialTokens => Count == 0 ? 0 : (double)SequentialTokens / Count;
    public double MeanChars => Count == 0 ? 0 : (double)Chars / Count;
    public double ChildrenPerSpawn => Spawns == 0 ? 0 : (double)Children / Spawns;
    public double SequencesPerDemo => Count == 0 ? 0 : (double)Sequences / Count;

    public string Summary() =>
        $"demonstrations {Count}, solved {SolvedFraction:P1} ({Solved}), " +
        $"tokens mean {MeanTokens:F0} max {MaxTokens}, sequential tokens mean {MeanSequentialTokens:F0} max {MaxSequentialTokens}, " +
        $"chars mean {MeanChars:F0}, sequences per demo {SequencesPerDemo:F2}, " +
        $"spawning demos {WithSpawn}, children per spawn {ChildrenPerSpawn:F2}";
}
