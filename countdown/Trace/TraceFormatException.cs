namespace AprOrleans.Countdown.Trace;

/// <summary>A trace that does not follow the trace language; the message says where and why.</summary>
public sealed class TraceFormatException(string message) : Exception(message);
