return AprOrleans.Client.Cli.Run(args);
