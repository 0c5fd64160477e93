using System.Collections.Immutable;
using AprOrleans.Countdown.Arithmetic;

namespace AprOrleans.Countdown.Trace;

/// <summary>
/// A node of the search tree: its comma-path id from the root "0", the numbers left (remaining ones in
/// original order, newest result last), the operations that led here, and its parent (for solution paths).
/// </summary>
public sealed class SearchNode
{
    private SearchNode(string id, int target, ImmutableArray<int> nums, ImmutableArray<Operation> ops, SearchNode? parent)
    {
        Id = id;
        Target = target;
        Nums = nums;
        Ops = ops;
        Parent = parent;
    }

    /// <summary>Comma path from the root, e.g. "0,1,2". Empty for terminal successors, which are never numbered.</summary>
    public string Id { get; private set; }
    public int Target { get; }
    public ImmutableArray<int> Nums { get; }
    public ImmutableArray<Operation> Ops { get; }
    public SearchNode? Parent { get; }

    public static SearchNode Root(IReadOnlyList<int> nums, int target) => new("0", target, [.. nums], [], null);

    /// <summary>A detached start node, e.g. a child thread's root rebuilt from its parent's trace.</summary>
    public static SearchNode Start(string id, int target, IEnumerable<int> nums, IEnumerable<Operation> ops) =>
        new(id, target, [.. nums], [.. ops], null);

    public bool IsTerminal => Nums.Length == 1;
    public bool IsGoal => Nums.Length == 1 && Nums[0] == Target;
    public Operation LastOp => Ops[^1];

    /// <summary>Applies <paramref name="op"/> to the numbers at <paramref name="i"/> and <paramref name="j"/>.</summary>
    public SearchNode Apply(int i, int j, Operation op)
    {
        var nums = ImmutableArray.CreateBuilder<int>(Nums.Length - 1);
        for (int k = 0; k < Nums.Length; k++)
        {
            if (k != i && k != j) nums.Add(Nums[k]);
        }
        nums.Add(op.Result);
        return new SearchNode("", Target, nums.MoveToImmutable(), Ops.Add(op), this);
    }

    /// <summary>All successors in generation order: pairs (i &lt; j) in index order, then + * - /.</summary>
    public IEnumerable<SearchNode> Successors()
    {
        for (int i = 0; i < Nums.Length; i++)
        {
            for (int j = i + 1; j < Nums.Length; j++)
            {
                foreach (var op in Operation.AllOn(Nums[i], Nums[j])) yield return Apply(i, j, op);
            }
        }
    }

    /// <summary>Numbers a kept successor when it is printed as a Generated Node.</summary>
    public void AssignId(string id) => Id = id;

    /// <summary>The nodes from <paramref name="start"/> down to this one (inclusive).</summary>
    public IReadOnlyList<SearchNode> PathFrom(SearchNode start)
    {
        var path = new List<SearchNode>();
        for (var n = this; n is not null; n = n.Parent)
        {
            path.Add(n);
            if (ReferenceEquals(n, start)) break;
        }
        if (!ReferenceEquals(path[^1], start))
            throw new InvalidOperationException($"node {Id} does not descend from {start.Id}");
        path.Reverse();
        return path;
    }
}
