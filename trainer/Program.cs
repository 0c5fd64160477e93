// Trainer entry point: `trainer <verb> [options]`. Verbs: sft, grpo, grow, average.
return AprOrleans.Trainer.Cli.TrainerCli.Run(args, Console.Out, Console.Error);
