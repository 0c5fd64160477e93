// Trainer entry point. Verbs (sft, grpo) are added as the training work lands.
Console.Error.WriteLine("usage: trainer <verb> [options]   (no verbs are available in this build yet)");
return 2;
