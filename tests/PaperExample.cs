namespace AprOrleans.Tests;

/// <summary>The spawn/join example of DESIGN §3 (target 27 from [22, 26, 31, 53]), shared by several tests.</summary>
internal static class PaperExample
{
    public const string RootPrompt = "Moving to Node #0\nCurrent State: 27:[22, 26, 31, 53], Operations: []";

    /// <summary>What the parent writes after its prompt, up to its spawn block.</summary>
    public const string ParentSearch =
        "\nExploring Operation: 53-31=22, Resulting Numbers: [22, 26, 22]\n" +
        "Generated Node #0,0: 27:[22, 26, 22] Operation: 53-31=22\n" +
        "Exploring Operation: 53-22=31, Resulting Numbers: [26, 31, 31]\n" +
        "Generated Node #0,1: 27:[26, 31, 31] Operation: 53-22=31\n";

    public const string SpawnTwo =
        "<Calling Sub Searches>\n" +
        "<Start Sub Search 0 at level 1> Moving to Node #0,0\n" +
        "<Start Sub Search 1 at level 1> Moving to Node #0,1\n" +
        "<End Calling Sub Searches>";

    public const string ParentSegment = RootPrompt + ParentSearch + SpawnTwo;

    public const string ChildZeroPrompt = "Moving to Node #0,0\nCurrent State: 27:[22, 26, 22], Operations: ['53-31=22']";
    public const string ChildOnePrompt = "Moving to Node #0,1\nCurrent State: 27:[26, 31, 31], Operations: ['53-22=31']";

    /// <summary>Child #0,0's solution path.</summary>
    public const string ChildPath =
        ChildZeroPrompt + "\n" +
        "Exploring Operation: 22/22=1, Resulting Numbers: [26, 1]\n" +
        "Generated Node #0,0,0: 27:[26, 1] Operation: 22/22=1\n" +
        "Moving to Node #0,0,0\n" +
        "Current State: 27:[26, 1], Operations: ['53-31=22', '22/22=1']\n" +
        "Exploring Operation: 26+1=27, Resulting Numbers: [27]\n" +
        "27,27 equal: Goal Reached\n";
}
