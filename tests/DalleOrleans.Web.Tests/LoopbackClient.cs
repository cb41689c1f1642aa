using System.Net;
using System.Net.Sockets;

namespace DalleOrleans.Web.Tests;

/// <summary>
/// HttpClients that connect from a chosen loopback address (127.0.0.2, 127.0.0.3, …; Linux routes all of 127/8 to the
/// loopback interface), so tests can act as different client IPs toward the per-IP rate limiter.
/// </summary>
public static class LoopbackClient
{
    public static HttpClient From(Uri baseAddress, string localAddress)
    {
        var local = IPAddress.Parse(localAddress);
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellation) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(local, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellation);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }
}
