using AprOrleans.Silo.Hosting;
using Grpc.Core;

namespace AprOrleans.Silo.Api;

/// <summary>
/// Per-silo admission control of solves: at most <see cref="SiloSettings.SolvesInFlightLimit"/> at once, and their token
/// budgets summing to at most <see cref="SiloSettings.MaxSolveTokensInFlight"/>. A solve beyond either limit is refused
/// at once with <c>RESOURCE_EXHAUSTED</c>, a message naming the limit and a retry hint (the gRPC retry-pushback trailer),
/// instead of queueing in the engines until the caller's deadline: an overloaded silo sheds load explicitly.
/// </summary>
public sealed class SolveAdmission(SiloSettings settings)
{
    /// <summary>The trailer gRPC clients read as "retry after this many milliseconds" (gRFC A6).</summary>
    public const string RetryPushbackTrailer = "grpc-retry-pushback-ms";
    private const int RetryAfterMilliseconds = 1000;

    private readonly Lock _gate = new();
    private int _solves;
    private long _tokens;

    public int SolvesInFlight { get { lock (_gate) return _solves; } }
    public long TokensInFlight { get { lock (_gate) return _tokens; } }

    /// <summary>Admits one solve of <paramref name="tokenBudget"/> tokens, or throws <c>RESOURCE_EXHAUSTED</c>; dispose the lease when it ends.</summary>
    public IDisposable Admit(int tokenBudget)
    {
        lock (_gate)
        {
            string? refusal = null;
            if (_solves >= settings.SolvesInFlightLimit)
                refusal = $"this silo runs {_solves} solves, its limit (Apr:MaxSolvesInFlight {settings.SolvesInFlightLimit})";
            else if (_tokens + tokenBudget > settings.MaxSolveTokensInFlight)
                refusal = $"this silo's admitted solves hold {_tokens} of {settings.MaxSolveTokensInFlight} budgeted tokens " +
                          $"(Apr:MaxSolveTokensInFlight) and this one asks {tokenBudget}";
            if (refusal is not null)
            {
                var trailers = new Metadata { { RetryPushbackTrailer, RetryAfterMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture) } };
                throw new RpcException(new Status(StatusCode.ResourceExhausted, $"{refusal}; retry in about {RetryAfterMilliseconds / 1000} s or on another silo"), trailers);
            }
            _solves++;
            _tokens += tokenBudget;
        }
        return new Lease(this, tokenBudget);
    }

    private void Release(int tokenBudget)
    {
        lock (_gate)
        {
            _solves--;
            _tokens -= tokenBudget;
        }
    }

    private sealed class Lease(SolveAdmission admission, int tokenBudget) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) admission.Release(tokenBudget);
        }
    }
}
