namespace AprOrleans.Tests.Training;

/// <summary>Runs one `trainer` verb in-process and captures its exit code, stdout and stderr.</summary>
internal static class TrainerVerb
{
    public static (int Code, string Out, string Err) Run(Func<IReadOnlyList<string>, TextWriter, TextWriter, int> verb, string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = verb(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
