using AprOrleans.Api;
using AprOrleans.Countdown.Problems;
using AprOrleans.Interfaces.Batching;
using AprOrleans.Interfaces.Solving;
using Grpc.Core;

namespace AprOrleans.Silo.Api;

/// <summary>
/// Checks a <see cref="SolveRequest"/> field by field and turns it into a <see cref="SolveSpec"/>. The first
/// problem found becomes <c>INVALID_ARGUMENT</c> with a message naming the field, e.g.
/// <c>field 'numbers[1]': -3 is outside 1..100</c>. Nothing unchecked reaches a grain.
/// </summary>
public static class SolveRequestValidator
{
    // Server-side bounds: wide enough for the paper's settings, tight enough that one request cannot ask for unbounded work.
    private static readonly (int Min, int Max, int Default) ChildrenPerSpawn = (1, 10, 10);
    private static readonly (int Min, int Max, int Default) Depth = (0, 4, 1);
    private static readonly (int Min, int Max, int Default) TokensPerThread = (16, 8192, 4096);
    /// <summary>The per-request token budget when the silo's settings do not say (<see cref="Hosting.SiloSettings"/>).</summary>
    public static readonly (int Min, int Max, int Default) TotalTokens = (1, 262_144, 65_536);
    private static readonly (int Min, int Max, int Default) SpawnsPerThread = (0, 16, 8);

    /// <param name="totalTokens">The bounds and default of <c>limits.max_total_tokens</c>, the request's token budget.</param>
    public static (Guid SolveId, SolveSpec Spec) Validate(SolveRequest request, (int Min, int Max, int Default)? totalTokens = null)
    {
        var problem = ProblemLimits.Check(request.Numbers, request.Target);
        if (problem is { } p) throw Invalid(p.Field.Replace("nums", "numbers", StringComparison.Ordinal), p.Message);
        if (!Enum.IsDefined(request.Mode)) throw Invalid("mode", $"{(int)request.Mode} is not a mode (MODE_APR or MODE_SERIAL)");
        bool serial = request.Mode == Mode.Serial;

        var limits = TreeLimits(request.Limits, serial, "limits", totalTokens);
        var sampling = SamplingOf(request.Sampling, "sampling");
        var id = SolveId(request.SolveId, "solve_id", allowEmpty: true);
        return (id, new SolveSpec([.. request.Numbers], request.Target, serial, limits, sampling));
    }

    /// <summary>The spawn/join limits with defaults filled in; fields are named <c>{prefix}.max_depth</c> etc.</summary>
    public static TreeLimitsWire TreeLimits(Limits? given, bool serial, string prefix, (int Min, int Max, int Default)? totalTokens = null)
    {
        var l = given ?? new Limits();
        int depth = Range($"{prefix}.max_depth", l.HasMaxDepth ? l.MaxDepth : null, serial ? (0, 0, 0) : Depth);
        return new TreeLimitsWire(
            Range($"{prefix}.max_children_per_spawn", l.HasMaxChildrenPerSpawn ? l.MaxChildrenPerSpawn : null, ChildrenPerSpawn),
            depth,
            Range($"{prefix}.max_tokens_per_thread", l.HasMaxTokensPerThread ? l.MaxTokensPerThread : null, TokensPerThread),
            Range($"{prefix}.max_total_tokens", l.HasMaxTotalTokens ? l.MaxTotalTokens : null, totalTokens ?? TotalTokens),
            Range($"{prefix}.max_spawns_per_thread", l.HasMaxSpawnsPerThread ? l.MaxSpawnsPerThread : null, SpawnsPerThread));
    }

    /// <summary>The sampling settings with defaults filled in; fields are named <c>{prefix}.temperature</c> etc.</summary>
    public static SamplingWire SamplingOf(Sampling? given, string prefix)
    {
        var s = given ?? new Sampling();
        float temperature = s.HasTemperature ? s.Temperature : 1f;
        if (!float.IsFinite(temperature) || temperature is < 0 or > 10)
            throw Invalid($"{prefix}.temperature", $"{temperature} is outside 0..10");
        int topK = s.HasTopK ? s.TopK : 0;
        if (topK is < 0 or > 1000) throw Invalid($"{prefix}.top_k", $"{topK} is outside 0..1000");
        float topP = s.HasTopP ? s.TopP : 1f;
        if (!float.IsFinite(topP) || topP is <= 0 or > 1) throw Invalid($"{prefix}.top_p", $"{topP} is outside (0, 1]");
        return new SamplingWire(temperature, topK, topP, s.Seed);
    }

    /// <summary>Parses a solve id; an empty one means "make a new id" where <paramref name="allowEmpty"/>.</summary>
    public static Guid SolveId(string text, string field, bool allowEmpty)
    {
        if (text.Length == 0)
            return allowEmpty ? Guid.NewGuid() : throw Invalid(field, "required");
        if (text.Length > 64 || !Guid.TryParse(text, out var id))
            throw Invalid(field, $"'{Shorten(text)}' is not a UUID");
        return id;
    }

    /// <summary>An optional integer field: unset → the default, else it must lie in the bounds.</summary>
    public static int Range(string field, int? value, (int Min, int Max, int Default) bounds)
    {
        if (value is not { } v) return bounds.Default;
        if (v < bounds.Min || v > bounds.Max)
        {
            var extra = field.EndsWith("max_depth", StringComparison.Ordinal) && bounds.Max == 0 ? " (serial mode has no children)" : "";
            throw Invalid(field, $"{v} is outside {bounds.Min}..{bounds.Max}{extra}");
        }
        return v;
    }

    /// <summary>A caller's text cut to 40 characters for an error message.</summary>
    public static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

    public static RpcException Invalid(string field, string message) =>
        new(new Status(StatusCode.InvalidArgument, $"field '{field}': {message}"));
}
