namespace AprOrleans.Countdown.Solvers;

/// <summary>
/// The order in which a search thread prints the successors it keeps. The paper shuffles them; in the order they
/// are generated (pairs left to right, then + * - /) a model enumerating a wide beam has a fixed walk to follow,
/// so it neither repeats nor skips a successor (`apr data demos --order`).
/// </summary>
public enum SuccessorOrder
{
    Shuffled,
    Generated,
}

public static class SuccessorOrders
{
    public static bool TryParse(string text, out SuccessorOrder order)
    {
        switch (text)
        {
            case "shuffled": order = SuccessorOrder.Shuffled; return true;
            case "generated": order = SuccessorOrder.Generated; return true;
            default: order = default; return false;
        }
    }
}
