namespace AprOrleans.Client;

/// <summary>Entry point of the `apr` tool; verbs are registered in <see cref="Run"/>.</summary>
public static class Cli
{
    public static int Run(string[] args)
    {
        Console.Error.WriteLine("usage: apr <verb> [options]");
        return 2;
    }
}
