namespace AprOrleans.Countdown.Checking;

/// <summary>The checker's verdict: valid, or invalid with a reason a person can act on.</summary>
public sealed record CheckResult(bool Valid, string? Reason)
{
    public static readonly CheckResult Ok = new(true, null);
    public static CheckResult Invalid(string reason) => new(false, reason);
    public override string ToString() => Valid ? "valid" : $"invalid: {Reason}";
}
