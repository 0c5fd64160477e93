namespace AprOrleans.CommandLine;

/// <summary>
/// A bad command line or bad input named on it: <see cref="CommandLineProgram"/> prints the message on one line after
/// the command's path (<c>trainer sft: ...</c>) and exits with code 2.
/// </summary>
public sealed class UsageException(string message) : Exception(message);
