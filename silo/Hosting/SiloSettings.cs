namespace AprOrleans.Silo.Hosting;

/// <summary>
/// The silo's configuration, section <c>Apr</c> of appsettings.json, overridable by environment variables
/// (<c>Apr__SiloName</c>, <c>Apr__ConnectionString</c>, <c>Apr__Devices__0</c>, …) and command-line
/// arguments (<c>--Apr:Storage=memory</c>, or the short forms <c>--storage memory</c> etc., see <see cref="SiloHost"/>).
/// </summary>
public sealed class SiloSettings
{
    public const string Section = "Apr";

    /// <summary>This silo's name in the cluster; batcher keys name it. In Kubernetes, the pod name.</summary>
    public string SiloName { get; set; } = Environment.MachineName;
    public string ClusterId { get; set; } = "apr";
    /// <summary>Grain state is keyed by service id: a new cluster with the same id reads the old state.</summary>
    public string ServiceId { get; set; } = "apr";

    /// <summary>
    /// The address other silos reach this one at (the pod IP in Kubernetes). The silo-to-silo port listens on this
    /// address only, never on every interface: Orleans' own port carries no authentication of its own.
    /// </summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";
    public int SiloPort { get; set; } = 11111;
    /// <summary>
    /// The Orleans gateway (client-to-silo) port, 0 = off, the default: no Orleans client exists outside the silos,
    /// the gRPC API is the front door, and an open gateway would let any Orleans client reach the grains around the
    /// admin token. Set, it listens on <see cref="AdvertisedAddress"/> only.
    /// </summary>
    public int GatewayPort { get; set; }

    /// <summary>
    /// The cluster certificate (PEM) for mutual TLS on the silo-to-silo port, with <see cref="SiloTlsKey"/>; unset =
    /// plain TCP (one machine, loopback). Every silo of the cluster holds the same certificate and accepts only peers
    /// that present it (<see cref="ClusterCertificate"/>). The Kubernetes base turns it on.
    /// </summary>
    public string? SiloTlsCertificate { get; set; }
    /// <summary>The private key (PEM) of <see cref="SiloTlsCertificate"/>.</summary>
    public string? SiloTlsKey { get; set; }

    /// <summary>The address Kestrel listens on for gRPC and HTTP (0.0.0.0 in containers).</summary>
    public string ListenAddress { get; set; } = "0.0.0.0";
    /// <summary>
    /// A certificate (PEM) for TLS on the gRPC port, with <see cref="GrpcTlsKey"/>; unset = plaintext h2c (loopback, or
    /// TLS terminated in front of the silo). Clients then call <c>https://</c>; one that must trust a private CA points
    /// <c>SSL_CERT_FILE</c> at it.
    /// </summary>
    public string? GrpcTlsCertificate { get; set; }
    /// <summary>The private key (PEM) of <see cref="GrpcTlsCertificate"/>.</summary>
    public string? GrpcTlsKey { get; set; }
    /// <summary>gRPC, HTTP/2 only (h2c, or TLS with <see cref="GrpcTlsCertificate"/>).</summary>
    public int GrpcPort { get; set; } = 5080;
    /// <summary>Health endpoints, HTTP/1.1: <c>/healthz</c>, <c>/readyz</c>.</summary>
    public int HttpPort { get; set; } = 5081;

    /// <summary><c>postgres</c> (clustering, grain state and reminders in PostgreSQL) or <c>memory</c> (one local silo, nothing kept).</summary>
    public string Storage { get; set; } = StorageModes.Postgres;
    /// <summary>Npgsql connection string; required with postgres storage.</summary>
    public string? ConnectionString { get; set; }
    /// <summary>Apply the schema at start (idempotent). Turn off where the database account may not alter it.</summary>
    public bool MigrateOnStart { get; set; } = true;
    /// <summary>
    /// Serve the live view (a page at <c>/ui/</c> on the HTTP port: solves, experiments, the cluster). Its calls are the
    /// gRPC services' own handlers with no admin token, so it can solve and read but never control an experiment.
    /// </summary>
    public bool LiveView { get; set; } = true;

    /// <summary>Devices this silo drives, one batching grain each.</summary>
    public List<string> Devices { get; set; } = [];

    /// <summary>The model every batching grain serves: a checkpoint directory (relative paths: beside the binary, then the working directory).</summary>
    public string Checkpoint { get; set; } = Path.Combine("checkpoints", "countdown3-apr");
    /// <summary>Sequences one engine holds at once (its largest batch).</summary>
    public int EngineSlots { get; set; } = 64;
    /// <summary>Most tokens one sequence may hold (capped by the model's positions).</summary>
    public int EngineContextTokens { get; set; } = 4096;
    /// <summary>
    /// libtorch's CPU threads (0 = its default, one per core of the machine). On a CPU silo, leave a core to Orleans
    /// and gRPC: the service-load bench's overhead over the engine grew from ~1 % to ~30–40 % when the second core
    /// was taken by another process.
    /// </summary>
    public int TorchThreads { get; set; }
    /// <summary>
    /// Threads a CPU engine's decode attention splits a batch's rows over (0 = every core of the machine). Apart from
    /// <see cref="TorchThreads"/>: at large batches that kernel is bound by one core's memory bandwidth.
    /// </summary>
    public int AttentionThreads { get; set; }
    /// <summary>
    /// The engines' KV cache: <c>paged</c> (the default: memory follows the tokens held; a CPU step attends over the pages
    /// in place) or <c>regions</c> (a contiguous region per slot, so a GPU step's attention reads each key once, with no
    /// gather copy; docs/design.md §5).
    /// </summary>
    public string KvLayout { get; set; } = KvLayoutSetting.Paged;
    /// <summary>
    /// With <c>regions</c>: the slots' tiers as <c>SLOTSxCAPACITY</c> pairs, e.g. <c>32x4096,32x1024</c>; their slots add
    /// up to <see cref="EngineSlots"/>. Empty: every slot holds a full context (a static cache). A request needs a region
    /// for its prompt plus its whole token budget, which for an APR thread is all that its per-thread limit leaves: small
    /// tiers help only requests with small budgets.
    /// </summary>
    public string RegionTiers { get; set; } = "";
    /// <summary>Fuse the q/k/v and gate/up projections at load: unset = on CUDA devices only (on the CPU they cost more than they save).</summary>
    public bool? FuseProjections { get; set; }

    /// <summary>
    /// Solves (Solve and SolveStream calls) this silo runs at once; one more is refused at once with
    /// <c>RESOURCE_EXHAUSTED</c> and a retry hint, never left to queue into a timeout. 0 (the default) derives it from
    /// the engines' capacity: <see cref="SolvesInFlightLimit"/>.
    /// </summary>
    public int MaxSolvesInFlight { get; set; }

    /// <summary>
    /// An APR tree keeps about this many threads decoding at once (a spawn's children, 6–10 with the shipped model), so
    /// an engine of S slots serves about S / 8 trees without queueing their threads behind each other.
    /// </summary>
    public const int ThreadsPerSolve = 8;

    /// <summary>
    /// The admission limit in effect: <see cref="MaxSolvesInFlight"/> when set, else engine slots × devices /
    /// <see cref="ThreadsPerSolve"/> (8 for one CPU engine of 64 slots, 32 per GPU at 256): the solves the engines run
    /// without queueing, so an admitted solve's latency stays that of a full batch, whatever the offered load.
    /// </summary>
    public int SolvesInFlightLimit => MaxSolvesInFlight > 0 ? MaxSolvesInFlight : Math.Max(1, EngineSlots * Math.Max(1, Devices.Count) / ThreadsPerSolve);
    /// <summary>
    /// The sum of the token budgets (<c>limits.max_total_tokens</c>) of the solves this silo admits at once: a few
    /// requests asking the maximum budget cannot take what hundreds of ordinary ones need.
    /// </summary>
    public long MaxSolveTokensInFlight { get; set; } = 16_777_216;
    /// <summary>A request's token budget when it names none (<c>limits.max_total_tokens</c> unset).</summary>
    public int DefaultSolveTokens { get; set; } = 65_536;
    /// <summary>The largest token budget one request may ask; more is <c>INVALID_ARGUMENT</c>.</summary>
    public int MaxSolveTokens { get; set; } = 262_144;

    /// <summary>
    /// How long a finished solve stays in PostgreSQL (a reminder deletes older ones); zero keeps them forever. Keep it
    /// above the longest solve (one hour at most). Experiments' rollout groups are kept until the experiment is deleted.
    /// </summary>
    public TimeSpan SolveRetention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The bounds of one request's token budget, as the request validator takes them.</summary>
    public (int Min, int Max, int Default) SolveTokenBounds => (1, MaxSolveTokens, DefaultSolveTokens);

    /// <summary>
    /// How long a stopping silo may take (SIGTERM → hand off grains, leave the membership table, drain gRPC). In
    /// Kubernetes the pod's terminationGracePeriodSeconds must exceed it, or the kubelet kills the silo mid-shutdown.
    /// </summary>
    public int ShutdownTimeoutSeconds { get; set; } = 120;

    /// <summary>
    /// Secret that admin gRPC calls (experiment control, rollout pulls, weight publishing; DESIGN §7) require as
    /// <c>authorization: Bearer &lt;token&gt;</c>. Unset = admin calls are refused (PERMISSION_DENIED); set, it must pass
    /// <see cref="AdminTokenPolicy"/> (at least 32 bytes, no placeholder) or the silo does not start.
    /// </summary>
    public string? AdminToken { get; set; }

    /// <summary>
    /// This silo's directory for weight files (uploads, local copies of published versions, and with memory storage
    /// the blob store itself). Unset = <c>{temp}/apr-weights/{ServiceId}/{SiloName}</c>.
    /// </summary>
    public string? WeightsDirectory { get; set; }
    /// <summary>
    /// The cluster's shared weights volume (a ReadWriteMany volume every silo and the trainer mount), or unset. When
    /// set, published versions are kept there (every silo loads them in place; PostgreSQL holds no blobs) and
    /// <c>Weights.PublishShared</c> takes a blob from its <c>outbox/</c> instead of receiving it over gRPC.
    /// </summary>
    public string? SharedWeightsDirectory { get; set; }
    /// <summary>Largest weight blob <c>Weights.Publish</c> accepts (default 16 GiB).</summary>
    public long MaxWeightBytes { get; set; } = 16L << 30;

    public string EffectiveWeightsDirectory => WeightsDirectory ?? Path.Combine(Path.GetTempPath(), "apr-weights", ServiceId, SiloName);

    /// <summary>Null when usable, else what is wrong (one line).</summary>
    public string? Validate()
    {
        // The name is also a folder name (this silo's incoming/ on a shared weights volume): '.' and '..' would be others.
        if (string.IsNullOrWhiteSpace(SiloName) || SiloName.Contains('/') || SiloName.All(c => c == '.'))
            return $"Apr:SiloName '{SiloName}' must be non-empty, hold no '/' and not be only dots";
        if (Storage is not (StorageModes.Postgres or StorageModes.Memory))
            return $"Apr:Storage '{Storage}' must be '{StorageModes.Postgres}' or '{StorageModes.Memory}'";
        if (Storage == StorageModes.Postgres && string.IsNullOrWhiteSpace(ConnectionString))
            return "Apr:ConnectionString is required with postgres storage (or run with --storage memory)";
        if (!System.Net.IPAddress.TryParse(AdvertisedAddress, out _)) return $"Apr:AdvertisedAddress '{AdvertisedAddress}' is not an IP address";
        if (!System.Net.IPAddress.TryParse(ListenAddress, out _)) return $"Apr:ListenAddress '{ListenAddress}' is not an IP address";
        if (Devices.Count == 0) return "Apr:Devices must list at least one device (e.g. cpu:0)";
        if (Devices.Distinct(StringComparer.Ordinal).Count() != Devices.Count) return "Apr:Devices lists a device twice";
        if (GatewayPort is < 0 or > 65535) return $"Apr:GatewayPort {GatewayPort} is outside 0 (off)..65535";
        int[] ports = GatewayPort == 0 ? [SiloPort, GrpcPort, HttpPort] : [SiloPort, GatewayPort, GrpcPort, HttpPort];
        foreach (var port in ports)
        {
            if (port is < 1 or > 65535) return $"port {port} is outside 1..65535";
        }
        if (ports.Distinct().Count() != ports.Length) return "the silo's ports must differ";
        if (EngineSlots < 1) return $"Apr:EngineSlots {EngineSlots} must be at least 1";
        if (TorchThreads < 0) return $"Apr:TorchThreads {TorchThreads} must be 0 (libtorch's default) or more";
        if (AttentionThreads < 0) return $"Apr:AttentionThreads {AttentionThreads} must be 0 (every core) or more";
        if (EngineContextTokens < 16) return $"Apr:EngineContextTokens {EngineContextTokens} must be at least 16";
        if (KvLayoutSetting.Check(this) is { } kvProblem) return kvProblem;
        if (MaxWeightBytes < 1) return $"Apr:MaxWeightBytes {MaxWeightBytes} must be at least 1";
        // Created silently, a missing mount would give each silo a private "shared" store the others cannot read.
        if (SharedWeightsDirectory is not null && !Directory.Exists(SharedWeightsDirectory))
            return $"Apr:SharedWeightsDirectory '{SharedWeightsDirectory}' does not exist (mount the shared weights volume there, or unset it)";
        if (AdminTokenPolicy.Check(AdminToken) is { } weakToken) return weakToken;
        if (string.IsNullOrEmpty(GrpcTlsCertificate) != string.IsNullOrEmpty(GrpcTlsKey))
            return "Apr:GrpcTlsCertificate and Apr:GrpcTlsKey go together: set both (TLS on the gRPC port) or neither";
        if (string.IsNullOrEmpty(SiloTlsCertificate) != string.IsNullOrEmpty(SiloTlsKey))
            return "Apr:SiloTlsCertificate and Apr:SiloTlsKey go together: set both (mutual TLS between silos) or neither";
        if (SolveRetention < TimeSpan.Zero) return $"Apr:SolveRetention {SolveRetention} must be zero (keep forever) or positive";
        if (MaxSolvesInFlight < 0) return $"Apr:MaxSolvesInFlight {MaxSolvesInFlight} must be 0 (derived from the engines' slots) or more";
        if (MaxSolveTokens < 1) return $"Apr:MaxSolveTokens {MaxSolveTokens} must be at least 1";
        if (DefaultSolveTokens < 1 || DefaultSolveTokens > MaxSolveTokens)
            return $"Apr:DefaultSolveTokens {DefaultSolveTokens} must lie in 1..Apr:MaxSolveTokens ({MaxSolveTokens})";
        if (MaxSolveTokensInFlight < MaxSolveTokens)
            return $"Apr:MaxSolveTokensInFlight {MaxSolveTokensInFlight} must be at least Apr:MaxSolveTokens ({MaxSolveTokens}), or a request of the maximum budget could never run";
        if (ShutdownTimeoutSeconds is < 1 or > 3600) return $"Apr:ShutdownTimeoutSeconds {ShutdownTimeoutSeconds} is outside 1..3600";
        return null;
    }
}

public static class StorageModes
{
    public const string Postgres = "postgres";
    public const string Memory = "memory";
}
