// Trainer entry point: `trainer <verb> [options]`. Verbs: sft, grpo, grow, average.
using AprOrleans.Trainer.Averaging;
using AprOrleans.Trainer.Grpo;
using AprOrleans.Trainer.Growth;
using AprOrleans.Trainer.Sft;

if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.Error.WriteLine("usage: trainer <verb> [options]   verbs: sft, grpo, grow, average");
    Console.Error.WriteLine(SftCommand.Usage);
    Console.Error.WriteLine(GrpoCommand.Usage);
    Console.Error.WriteLine(GrowCommand.Usage);
    Console.Error.WriteLine(AverageCommand.Usage);
    return 2;
}
return args[0] switch
{
    "sft" => SftCommand.Run(args[1..], Console.Out, Console.Error),
    "grpo" => GrpoCommand.Run(args[1..], Console.Out, Console.Error),
    "grow" => GrowCommand.Run(args[1..], Console.Out, Console.Error),
    "average" => AverageCommand.Run(args[1..], Console.Out, Console.Error),
    _ => Unknown(args[0]),
};

static int Unknown(string verb)
{
    Console.Error.WriteLine($"trainer: unknown verb '{verb}' (expected: sft, grpo, grow, average)");
    return 2;
}
