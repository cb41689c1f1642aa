using System.Net.Sockets;
using System.Text;

namespace DalleOrleans.Web.Tests.Fuzz;

/// <summary>
/// Malformed HTTP that HttpClient refuses to send (broken request lines, bad header syntax, lying lengths), written
/// straight to a socket. Returns the status code of the answer, or 0 when the server closed without one.
/// </summary>
public static class RawRequests
{
    static readonly string[] Templates =
    {
        "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /api/generations/\u0000 HTTP/1.1\r\nHost: x\r\n\r\n",
        "POST /api/generations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{\"prompt\":\"a\"}",
        "POST /api/generations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: -1\r\n\r\n{}",
        "POST /api/generations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n",
        "POST /api/generations HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "GET /api/health HTTP/9.9\r\nHost: x\r\n\r\n",
        "GET  /api/health  HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /api/health HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n",
        "GET /api/health HTTP/1.1\r\n\r\n",
        "\r\n\r\n\r\n",
        "GET /api/health HTTP/1.1\r\nHost: x\r\nX: " + new string('a', 70_000) + "\r\n\r\n",
        "GET /" + new string('p', 20_000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        "GET /api/generations/%zz HTTP/1.1\r\nHost: x\r\n\r\n",
    };

    public static async Task<int> SendAsync(Uri server, Random random, CancellationToken cancellation)
    {
        byte[] payload = random.Next(4) == 0
            ? RandomGarbage(random)
            : Encoding.Latin1.GetBytes(Templates[random.Next(Templates.Length)]);
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port, cancellation);
        var stream = client.GetStream();
        try
        {
            await stream.WriteAsync(payload, cancellation);
            client.Client.Shutdown(SocketShutdown.Send);
        }
        catch (IOException) { }                               // the server may close while we still write a huge header
        var buffer = new byte[64];
        int read;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            read = await stream.ReadAtLeastAsync(buffer, 12, throwOnEndOfStream: false, timeout.Token);
        }
        catch (IOException) { return 0; }
        string head = Encoding.ASCII.GetString(buffer, 0, read);
        return head.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) && int.TryParse(head.AsSpan(9, 3), out int status) ? status : 0;
    }

    static byte[] RandomGarbage(Random random)
    {
        var bytes = new byte[random.Next(1, 600)];
        random.NextBytes(bytes);
        return bytes;
    }
}
