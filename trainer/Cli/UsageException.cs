namespace AprOrleans.Trainer.Cli;

/// <summary>A bad command line: the process prints the one-line message and exits with code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
