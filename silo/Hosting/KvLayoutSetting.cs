using AprOrleans.Model.Engine;
using AprOrleans.Model.Inference;

namespace AprOrleans.Silo.Hosting;

/// <summary>Reads <c>Apr:KvLayout</c> and <c>Apr:RegionTiers</c> into the engine's options, and says what is wrong with them.</summary>
public static class KvLayoutSetting
{
    public const string Paged = "paged";
    public const string Regions = "regions";

    public static KvLayout Layout(SiloSettings settings) => settings.KvLayout == Regions ? KvLayout.Regions : KvLayout.Paged;

    /// <summary><c>8x4096,56x512</c> → two tiers; empty → null (every slot a full context).</summary>
    public static IReadOnlyList<SlotTier>? Tiers(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        return [.. text.Split(',').Select(Tier)];
    }

    /// <summary>Null when the layout settings are usable with the engine's slots and context, else one line.</summary>
    public static string? Check(SiloSettings settings)
    {
        if (settings.KvLayout is not (Paged or Regions)) return $"Apr:KvLayout '{settings.KvLayout}' must be '{Paged}' or '{Regions}'";
        if (settings.RegionTiers.Length > 0 && settings.KvLayout != Regions)
            return $"Apr:RegionTiers is set but Apr:KvLayout is '{settings.KvLayout}': tiers are for '{Regions}' only";
        IReadOnlyList<SlotTier>? tiers;
        try
        {
            tiers = Tiers(settings.RegionTiers);
        }
        catch (FormatException e)
        {
            return $"Apr:RegionTiers '{settings.RegionTiers}': {e.Message}";
        }
        if (tiers is null) return null;
        int slots = tiers.Sum(t => t.Slots);
        if (slots != settings.EngineSlots) return $"Apr:RegionTiers hold {slots} slots, but Apr:EngineSlots is {settings.EngineSlots}";
        if (tiers.Max(t => t.Capacity) < settings.EngineContextTokens)
            return $"Apr:RegionTiers: the largest tier ({tiers.Max(t => t.Capacity)}) must hold Apr:EngineContextTokens ({settings.EngineContextTokens}), or a long thread could not run";
        return null;
    }

    private static SlotTier Tier(string pair)
    {
        var parts = pair.Trim().Split('x');
        if (parts.Length == 2 && int.TryParse(parts[0], out int slots) && int.TryParse(parts[1], out int capacity) && slots > 0 && capacity > 0)
            return new SlotTier(slots, capacity);
        throw new FormatException($"'{pair.Trim()}' is not SLOTSxCAPACITY with both positive (e.g. 8x4096)");
    }
}
