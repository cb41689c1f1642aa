using System.Net;
using System.Net.Sockets;

namespace DalleOrleans.Grains;

/// <summary>Asks the OS for an unused loopback TCP port (for embedded silos and tests).</summary>
public static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
