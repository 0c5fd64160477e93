using AprOrleans.Grains.Decoding;
using AprOrleans.Reasoning.Runtime;
using AprOrleans.Tests.Runtime;

namespace AprOrleans.Tests.Service;

/// <summary>
/// A deterministic "model" for one problem (27 from [22, 26, 31, 53], DESIGN §3's example): the root spawns two
/// children, child 0 reaches the goal, child 1 does not, and the root then writes a correct solution path. It
/// stands in for the engine because the subject of these tests is the service around it.
/// </summary>
internal static class CountdownScript
{
    public static readonly int[] Numbers = [22, 26, 31, 53];
    public const int Target = 27;

    private const string RootPrompt = "Moving to Node #0\nCurrent State: 27:[22, 26, 31, 53], Operations: []";
    private const string ChildZeroPrompt = "Moving to Node #0,0\nCurrent State: 27:[22, 26, 22], Operations: ['53-31=22']";
    private const string ChildOnePrompt = "Moving to Node #0,1\nCurrent State: 27:[26, 31, 31], Operations: ['53-22=31']";

    private const string ParentSearch =
        "\nExploring Operation: 53-31=22, Resulting Numbers: [22, 26, 22]\n" +
        "Generated Node #0,0: 27:[22, 26, 22] Operation: 53-31=22\n" +
        "Exploring Operation: 53-22=31, Resulting Numbers: [26, 31, 31]\n" +
        "Generated Node #0,1: 27:[26, 31, 31] Operation: 53-22=31\n" +
        "<Calling Sub Searches>\n" +
        "<Start Sub Search 0 at level 1> Moving to Node #0,0\n" +
        "<Start Sub Search 1 at level 1> Moving to Node #0,1\n" +
        "<End Calling Sub Searches>";

    private const string ChildPath =
        "Moving to Node #0,0\n" +
        "Current State: 27:[22, 26, 22], Operations: ['53-31=22']\n" +
        "Exploring Operation: 22/22=1, Resulting Numbers: [26, 1]\n" +
        "Generated Node #0,0,0: 27:[26, 1] Operation: 22/22=1\n" +
        "Moving to Node #0,0,0\n" +
        "Current State: 27:[26, 1], Operations: ['53-31=22', '22/22=1']\n" +
        "Exploring Operation: 26+1=27, Resulting Numbers: [27]\n" +
        "27,27 equal: Goal Reached\n";

    /// <summary>The root's answer: the full solution path from the root.</summary>
    public const string RootAnswer =
        "Moving to Node #0\n" +
        "Current State: 27:[22, 26, 31, 53], Operations: []\n" +
        "Exploring Operation: 53-31=22, Resulting Numbers: [22, 26, 22]\n" +
        "Generated Node #0,0: 27:[22, 26, 22] Operation: 53-31=22\n" +
        ChildPath;

    public static string Continue(string context)
    {
        if (context == RootPrompt) return ParentSearch;
        if (context == ChildZeroPrompt) return "\nExploring Operation: 22/22=1, Resulting Numbers: [26, 1]\n27,27 equal: Goal Reached\n" + ChildPath;
        if (context == ChildOnePrompt) return "\nExploring Operation: 31-26=5, Resulting Numbers: [31, 5]\n31,27 unequal: No Solution\nNo solution found.\n";
        if (context.StartsWith(RootPrompt, StringComparison.Ordinal) && context.EndsWith("<End Sub Searches>\n", StringComparison.Ordinal))
            return "27,27 equal: Goal Reached\n" + RootAnswer;
        throw new InvalidOperationException($"the script has no continuation for:\n{context}");
    }
}

/// <summary>The test engine registration: every device gets a scripted decoder; the factory counts what it made.</summary>
internal sealed class ScriptedDecoderFactory : IDecoderFactory
{
    private int _created;

    public int Created => _created;

    /// <summary>When set, every decode waits for one permit first: a test decides when each segment may finish.</summary>
    public SemaphoreSlim? Gate { get; set; }

    /// <summary>Decodes whose caller cancelled them while they waited at the gate (the cancellation reached the decoder).</summary>
    public int CancelledDecodes => _cancelled;
    private int _cancelled;

    /// <summary>Decodes that have reached the gate (a solve's tree is running once this is above zero).</summary>
    public int GatedDecodes => _gated;
    private int _gated;

    public IThreadDecoder Create(string device)
    {
        Interlocked.Increment(ref _created);
        return new GatedDecoder(new ScriptedDecoder(CountdownScript.Continue), this);
    }

    private sealed class GatedDecoder(IThreadDecoder inner, ScriptedDecoderFactory factory) : IThreadDecoder
    {
        public async Task<DecodeResult> DecodeAsync(DecodeRequest request, CancellationToken cancellationToken = default)
        {
            try
            {
                Interlocked.Increment(ref factory._gated);
                if (factory.Gate is { } gate) await gate.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                Interlocked.Increment(ref factory._cancelled);
                throw;
            }
            return await inner.DecodeAsync(request, cancellationToken);
        }
    }
}
