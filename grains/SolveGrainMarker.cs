namespace AprOrleans.Grains;

/// <summary>Names this assembly (for Orleans type discovery) without naming a grain class.</summary>
public static class SolveGrainMarker;
