using System.Text;
using AprOrleans.Countdown.Trace;

namespace AprOrleans.Countdown.Solvers;

/// <summary>
/// The symbolic search of SoS+ and APR (DESIGN §3), writing its trace as it goes.
/// Each round pops up to <c>beam</c> nodes from an open set ordered by the factor-distance heuristic;
/// each popped node is expanded into all successors, of which the best <c>beam</c> are kept, shuffled
/// (or in generation order, <see cref="SearchSettings.Order"/>) and printed. A goal ends the search with the
/// solution path repeated from the thread's start.
/// After an expansion with non-terminal successors the thread may (SoS+) search them depth-first inline,
/// or (APR, level 0, more than one successor) delegate all of them to child threads.
/// </summary>
public sealed class BeamSearchThread
{
    private readonly SearchSettings _settings;
    private readonly Random _random;
    private readonly int _level;
    private readonly FactorDistanceHeuristic _heuristic;
    private readonly StringBuilder _text = new();
    private readonly List<string> _segments = [];
    private readonly List<IReadOnlyList<ThreadTrace>> _spawns = [];
    private SearchNode _start = null!;
    private long _sequence;

    public BeamSearchThread(SearchSettings settings, Random random, int level, int target)
    {
        _settings = settings;
        _random = random;
        _level = level;
        _heuristic = new FactorDistanceHeuristic(target);
    }

    /// <summary>Runs the thread from <paramref name="start"/> to a goal or exhaustion.</summary>
    public ThreadTrace Run(SearchNode start)
    {
        _start = start;
        _text.Append(TraceFormat.MovingTo(start.Id)).Append('\n');
        var goal = Search(start, _settings.Beam, _level);
        _segments.Add(_text.ToString());
        return new ThreadTrace(start, _level, _segments, _spawns, goal);
    }

    private SearchNode? Search(SearchNode start, int beam, int level)
    {
        var open = new PriorityQueue<SearchNode, (int Score, long Order)>();
        open.Enqueue(start, (_heuristic.Score(start.Nums), _sequence++));
        bool first = true;
        while (open.Count > 0)
        {
            int take = Math.Min(beam, open.Count);
            var batch = new List<SearchNode>(take);
            for (int i = 0; i < take; i++) batch.Add(open.Dequeue());
            foreach (var node in batch)
            {
                // The start node's move line is already written (thread prompt or inline sub-search header).
                if (!first) _text.Append(TraceFormat.MovingTo(node.Id)).Append('\n');
                first = false;
                var result = Expand(node, beam, level, open);
                if (result.Goal is not null) return result.Goal;
            }
        }
        _text.Append(TraceLiterals.NoSolutionFound).Append('\n');
        return null;
    }

    private readonly record struct Expansion(SearchNode? Goal);

    private Expansion Expand(SearchNode node, int beam, int level, PriorityQueue<SearchNode, (int, long)> open)
    {
        _text.Append(TraceFormat.CurrentState(node)).Append('\n');
        var kept = node.Successors()
            .Select((s, generated) => (Node: s, Score: _heuristic.Score(s.Nums), Generated: generated))
            .OrderBy(s => s.Score) // stable: ties keep generation order
            .Take(beam)
            .ToList();
        if (_settings.Order == SuccessorOrder.Shuffled) Shuffle(kept);
        else kept = [.. kept.OrderBy(s => s.Generated)];

        var toExplore = new List<(SearchNode Node, int Score)>();
        foreach (var (successor, score, _) in kept)
        {
            _text.Append(TraceFormat.Exploring(successor)).Append('\n');
            if (successor.IsTerminal)
            {
                _text.Append(TraceFormat.TerminalVerdict(successor.Nums[0], successor.Target)).Append('\n');
                if (successor.IsGoal)
                {
                    _text.Append(TraceFormat.SolutionPath(successor.PathFrom(_start)));
                    return new Expansion(successor);
                }
                continue;
            }
            successor.AssignId($"{node.Id},{toExplore.Count}");
            _text.Append(TraceFormat.Generated(successor)).Append('\n');
            toExplore.Add((successor, score));
        }
        var printed = toExplore;
        toExplore = [.. toExplore.OrderBy(s => s.Score)];

        // The order of delegation decides how the spawn and join blocks read and which solved child the parent
        // repeats (the first): best first, or in generation order, where both blocks count up the node ids as printed.
        var delegated = _settings.Order == SuccessorOrder.Generated ? printed : toExplore;
        if (level < _settings.MaxSpawnLevel && toExplore.Count > 1 && _random.NextDouble() < _settings.SpawnProbability)
            return new Expansion(SpawnChildren(delegated.Select(s => s.Node).ToList(), level));

        if (toExplore.Count > 0 && _random.NextDouble() < _settings.InlineSubSearchProbability)
            return new Expansion(InlineSubSearches(toExplore.Select(s => s.Node).ToList(), beam, level));

        foreach (var (successor, score) in toExplore) open.Enqueue(successor, (score, _sequence++));
        return new Expansion(null);
    }

    /// <summary>SoS+: depth-first sub-searches over the kept successors, written inline.</summary>
    private SearchNode? InlineSubSearches(List<SearchNode> nodes, int beam, int level)
    {
        foreach (var node in nodes)
        {
            _text.Append(TraceLiterals.StartInlineSubSearch).Append(level + 1).Append(": ")
                 .Append(TraceFormat.MovingTo(node.Id)).Append('\n');
            var goal = Search(node, beam, level + 1);
            _text.Append(TraceLiterals.ExitInlineSubSearch).Append(level + 1).Append('\n');
            if (goal is not null) return goal;
            _text.Append(TraceLiterals.NoSolutionInInlineSubSearch).Append('\n');
        }
        return null;
    }

    /// <summary>APR: hand every kept successor to a child thread, end this segment, and join.</summary>
    private SearchNode? SpawnChildren(List<SearchNode> nodes, int level)
    {
        var childSettings = _settings with { Beam = _settings.ChildBeam, InlineSubSearchProbability = 0 };
        var children = nodes
            .Select(n => new BeamSearchThread(childSettings, _random, level + 1, n.Target).Run(n))
            .ToList();
        _spawns.Add(children);

        var requested = nodes.Select((n, i) => new SpawnedChild(i, level + 1, n.Id)).ToList();
        var beforeSpawn = _text.ToString();
        _segments.Add(beforeSpawn + SpawnBlock.Render(requested));

        var outcomes = children.Select((c, i) => new ChildOutcome(
            requested[i],
            c.Goal is null ? null : TraceFormat.SolutionPath(c.Goal.PathFrom(c.Start)))).ToList();
        _text.Append(JoinBlock.Render(outcomes));

        var solved = children.FirstOrDefault(c => c.Solved);
        if (solved is null) return null;
        _text.Append(TraceFormat.TerminalVerdict(solved.Goal!.Nums[0], solved.Goal.Target)).Append('\n');
        _text.Append(TraceFormat.SolutionPath(solved.Goal.PathFrom(_start)));
        return solved.Goal;
    }

    private void Shuffle<T>(List<T> items)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = _random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
