using System.Net;

namespace DalleOrleans.Silo;

/// <summary>
/// Configuration section "Http": the silo's operations listener (/healthz, /readyz, /metrics). Loopback by default,
/// like every port of a single-machine silo; containers set Http:Address=0.0.0.0 so probes and scrapers reach it.
/// </summary>
public sealed record HttpSettings
{
    public const string Section = "Http";
    public const int DefaultPort = 8080;

    /// <summary>IP address to listen on.</summary>
    public string Address { get; init; } = "127.0.0.1";
    /// <summary>TCP port; 0 turns the listener off.</summary>
    public int Port { get; init; } = DefaultPort;

    public bool Enabled => Port != 0;

    public IPAddress ListenAddress => IPAddress.Parse(Address);

    public void Validate()
    {
        if (Port is < 0 or > 65535) throw new ArgumentException($"Http:Port is {Port}; it must be between 1 and 65535, or 0 to turn the listener off.");
        if (!IPAddress.TryParse(Address, out _))
            throw new ArgumentException($"Http:Address '{Address}' is not an IP address; use 127.0.0.1 (this machine only) or 0.0.0.0 (every interface).");
    }
}
