namespace DalleOrleans.Silo;

/// <summary>
/// Configuration section "Dashboard": Microsoft.Orleans.Dashboard (grain calls, activations, silo load), served at the
/// root of its own port on Http:Address. Off by default: it has no authentication and costs a little per grain call,
/// so it is a choice for development or a private network.
/// </summary>
public sealed record DashboardSettings
{
    public const string Section = "Dashboard";
    public const int DefaultPort = 8081;

    public bool Enabled { get; init; }
    /// <summary>TCP port of the dashboard (its own port, so exposing /metrics and the probes does not expose it).</summary>
    public int Port { get; init; } = DefaultPort;
    /// <summary>How often the dashboard refreshes its counters, in milliseconds.</summary>
    public int CounterUpdateIntervalMs { get; init; } = 1000;

    public void Validate()
    {
        if (!Enabled) return;
        if (Port is < 1 or > 65535) throw new ArgumentException($"Dashboard:Port is {Port}; it must be between 1 and 65535.");
        if (CounterUpdateIntervalMs is < 100 or > 60_000)
            throw new ArgumentException($"Dashboard:CounterUpdateIntervalMs is {CounterUpdateIntervalMs}; it must be between 100 and 60000.");
    }
}
