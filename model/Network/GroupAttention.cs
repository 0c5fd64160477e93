using AprOrleans.Model.Inference;
using static TorchSharp.torch;

namespace AprOrleans.Model.Network;

/// <summary>
/// One group of a cached forward: its rows and key range, and the mask [Rows, 1, T, KeyLength] (true = may attend),
/// or null when every row sees exactly the group's key range (a decode step of rows at the same position).
/// </summary>
public sealed record GroupAttention(KeyGroup Keys, Tensor? Mask);
