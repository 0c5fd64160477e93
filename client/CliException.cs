namespace AprOrleans.Client;

/// <summary>A usage or input error: the tool prints the message on one line and exits with code 2.</summary>
public sealed class CliException(string message) : Exception(message);
