// Trainer entry point: `trainer <verb> [options]`. Verbs: sft (GRPO arrives with the RL work).
using AprOrleans.Trainer.Sft;

if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.Error.WriteLine("usage: trainer <verb> [options]   verbs: sft");
    Console.Error.WriteLine(SftCommand.Usage);
    return 2;
}
return args[0] switch
{
    "sft" => SftCommand.Run(args[1..], Console.Out, Console.Error),
    _ => Unknown(args[0]),
};

static int Unknown(string verb)
{
    Console.Error.WriteLine($"trainer: unknown verb '{verb}' (expected: sft)");
    return 2;
}
