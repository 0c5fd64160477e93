namespace AprOrleans.Model.Inference;

/// <summary>
/// Rows [<see cref="FirstRow"/>, FirstRow + <see cref="Rows"/>) of a planned forward that attend together over
/// cached positions [0, <see cref="KeyLength"/>). A batch is split into such groups so that a short row (a child
/// thread) is not padded to the key length of the longest row (a parent deep into its search).
/// </summary>
public sealed record KeyGroup(int FirstRow, int Rows, int KeyLength);
