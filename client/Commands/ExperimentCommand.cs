using System.CommandLine;
using AprOrleans.Api;
using AprOrleans.Client.Plots;
using AprOrleans.Client.Remote;
using AprOrleans.Client.Rendering;
using AprOrleans.CommandLine;

namespace AprOrleans.Client.Commands;

/// <summary>
/// `apr experiment create|start|pause|resume|delete|list|status|plot`: controls a GRPO experiment on a silo's Experiments
/// API (training.proto). Control calls need the admin token (--token or APR_ADMIN_TOKEN); list, status and plot do not.
/// Create of an existing experiment with the same config and start of a running one succeed without a change,
/// so a script (the Kubernetes GRPO Job's init containers) can repeat them; --retry-seconds waits for a silo.
/// </summary>
public static class ExperimentCommand
{
    /// <summary>Where the silo is and the token to show it; options of every subcommand.</summary>
    private sealed class Connection
    {
        public Option<string> Silo { get; } = new("--silo")
        {
            Description = "the silo's gRPC API",
            DefaultValueFactory = _ => "http://127.0.0.1:5080",
            Recursive = true,
        };

        public Option<string?> Token { get; } = new("--token")
        {
            Description = $"the silo's admin token (default: ${RemoteExperiments.TokenVariable})",
            Recursive = true,
        };

        public Option<int> RetrySeconds { get; } = new("--retry-seconds")
        {
            Description = "while the silo is unavailable or does not answer (not up or not ready yet), retry for up to this many seconds (default 0: fail at once)",
            DefaultValueFactory = _ => 0,
            Recursive = true,
        };

        public RemoteExperiments Open(ParseResult parse) =>
            new(parse.GetValue(Silo)!, parse.GetValue(Token) ?? Environment.GetEnvironmentVariable(RemoteExperiments.TokenVariable),
                TimeSpan.FromSeconds(NotNegative(parse.GetValue(RetrySeconds), "--retry-seconds")), Console.Error);
    }

    public static Command Build()
    {
        var connection = new Connection();
        var command = new Command("experiment", "Create, list, control and watch GRPO experiments on a silo") { connection.Silo, connection.Token, connection.RetrySeconds };
        command.Subcommands.Add(Create(connection));
        command.Subcommands.Add(Control(connection, "start", "Start a created experiment (rollouts begin)", (remote, name) => remote.Start(name)));
        command.Subcommands.Add(Control(connection, "pause", "Pause: rollouts in flight finish, no new ones start", (remote, name) => remote.Pause(name)));
        command.Subcommands.Add(Control(connection, "resume", "Resume a paused experiment", (remote, name) => remote.Resume(name)));
        command.Subcommands.Add(Control(connection, "delete", "Delete a paused or finished experiment and every rollout group it stored (prints it as it was)",
            (remote, name) => remote.Delete(name)));
        command.Subcommands.Add(List(connection));
        command.Subcommands.Add(Status(connection));
        command.Subcommands.Add(Plot(connection));
        return command;
    }

    private static Argument<string> NameArgument() => new("NAME") { Description = "the experiment's name (1–64 of A-Z a-z 0-9 . _ -)" };

    private static Command Create(Connection connection)
    {
        var name = NameArgument();
        var numbers = new Option<int>("--numbers") { Description = "numbers per Countdown problem (3–6)", DefaultValueFactory = _ => 3 };
        var groupSize = new Option<int>("--group-size") { Description = "G: trajectories per problem (2–64)", DefaultValueFactory = _ => 5 };
        var problems = new Option<int>("--problems-per-step") { Description = "groups per GRPO step (1–1024)", DefaultValueFactory = _ => 64 };
        var maxSteps = new Option<int>("--max-steps") { Description = "GRPO steps until DONE", DefaultValueFactory = _ => 100 };
        var seed = new Option<long>("--seed") { Description = "problem and sampling seed", DefaultValueFactory = _ => 0 };
        var temperature = new Option<float>("--temperature") { Description = "sampling temperature (0–10)", DefaultValueFactory = _ => 1f };
        var ahead = new Option<int>("--rollout-ahead") { Description = "steps rollouts may run ahead of training (0–8; 0 = on-policy)", DefaultValueFactory = _ => 1 };
        var uses = new Option<string>("--every-solution-uses")
        {
            Description = "draw only problems each of whose solutions uses this operation (+ - * /; '/' = the problems that need a division); Countdown-3 and -4",
            DefaultValueFactory = _ => "",
        };
        var share = new Option<double?>("--every-solution-uses-share")
        {
            Description = "with --every-solution-uses: the share of each step's groups drawn with it, the rest from every solvable problem ((0, 1]; default 1)",
        };
        var command = new Command("create", "Create an experiment (does not start it)") { name, numbers, groupSize, problems, maxSteps, seed, temperature, ahead, uses, share };
        command.SetAction(parse =>
        {
            var config = new ExperimentConfig
            {
                Numbers = Positive(parse.GetValue(numbers), "--numbers"),
                GroupSize = Positive(parse.GetValue(groupSize), "--group-size"),
                ProblemsPerStep = Positive(parse.GetValue(problems), "--problems-per-step"),
                MaxSteps = Positive(parse.GetValue(maxSteps), "--max-steps"),
                ProblemSeed = parse.GetValue(seed),
                RolloutAhead = parse.GetValue(ahead),
                Sampling = new Sampling { Temperature = parse.GetValue(temperature), Seed = parse.GetValue(seed) },
                EverySolutionUses = parse.GetValue(uses)!,
            };
            // Checked by the silo, which names config.every_solution_uses_share when it is out of range.
            if (parse.GetValue(share) is { } filteredShare) config.EverySolutionUsesShare = filteredShare;
            using var remote = connection.Open(parse);
            Console.Write(ExperimentView.Render(remote.Create(parse.GetValue(name)!, config)));
            return 0;
        });
        return command;
    }

    private static Command Control(Connection connection, string verb, string description, Func<RemoteExperiments, string, Experiment> call)
    {
        var name = NameArgument();
        var command = new Command(verb, description) { name };
        command.SetAction(parse =>
        {
            using var remote = connection.Open(parse);
            Console.Write(ExperimentView.Render(call(remote, parse.GetValue(name)!)));
            return 0;
        });
        return command;
    }

    /// <summary>One line per experiment, for a quick look at a cluster; status NAME shows one in full.</summary>
    private static Command List(Connection connection)
    {
        var command = new Command("list", "List the silo's experiments: one line each with status, step, weight version and latest reward");
        command.SetAction(parse =>
        {
            using var remote = connection.Open(parse);
            var list = remote.List();
            // Stdout holds only experiment lines, so a script can count or parse them; an empty cluster says so on stderr.
            if (list.Experiments.Count == 0) Console.Error.WriteLine("apr: no experiments");
            Console.Write(ExperimentView.RenderList(list.Experiments));
            return 0;
        });
        return command;
    }

    private static Command Status(Connection connection)
    {
        var name = NameArgument();
        var watch = new Option<bool>("--watch") { Description = "keep showing progress until the experiment ends (Ctrl-C stops watching)" };
        var command = new Command("status", "Show an experiment's state, progress and latest metrics") { name, watch };
        command.SetAction(parse =>
        {
            using var remote = connection.Open(parse);
            if (!parse.GetValue(watch))
            {
                Console.Write(ExperimentView.Render(remote.Get(parse.GetValue(name)!)));
                return 0;
            }
            using var stop = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
            var live = new ExperimentView.LiveLine();
            try
            {
                remote.Watch(parse.GetValue(name)!, experiment =>
                {
                    live.Show(experiment);
                    return experiment.Status is not (ExperimentStatus.ExperimentDone or ExperimentStatus.ExperimentFailed);
                }, stop.Token);
            }
            catch (OperationCanceledException) { }
            live.End();
            return 0;
        });
        return command;
    }

    private static Command Plot(Connection connection)
    {
        var name = NameArgument();
        var output = new Option<string>("--out") { Description = "folder for the SVG curves", Required = true };
        var command = new Command("plot", "Write reward, accuracy, children-per-spawn and token curves (SVG)") { name, output };
        command.SetAction(parse =>
        {
            using var remote = connection.Open(parse);
            var history = remote.History(parse.GetValue(name)!);
            if (history.Steps.Count == 0) throw new UsageException($"experiment '{history.Name}' has no completed steps to plot yet");
            foreach (var path in ExperimentPlots.Write(parse.GetValue(output)!, history)) Console.WriteLine(path);
            return 0;
        });
        return command;
    }

    /// <summary>Zero would mean "the server's default" on the wire, so the CLI refuses it instead of silently changing it.</summary>
    private static int Positive(int value, string option) =>
        value > 0 ? value : throw new UsageException($"{option} must be positive, got {value}");

    private static int NotNegative(int value, string option) =>
        value >= 0 ? value : throw new UsageException($"{option} must not be negative, got {value}");
}
