using System.Net;
using System.Net.Sockets;
using DalleOrleans.Grains.Cache;

namespace DalleOrleans.Client.Tests;

/// <summary>
/// `dalle generate --cluster` when no cluster answers: one line on stderr naming the address, exit code 4, nothing on
/// stdout, no stack trace, and it ends on its own (the WaitAsync bound only keeps a broken build from hanging the suite).
/// </summary>
public class UnreachableClusterTests
{
    static readonly TimeSpan Bound = TimeSpan.FromMinutes(2);

    static void AssertOneClearLine(CapturedTerminal run, string address)
    {
        string line = Assert.Single(run.ErrorLines);
        Assert.StartsWith($"error: could not reach the cluster at '{address}'", line);
        Assert.DoesNotContain(" at ", line.Replace($"at '{address}'", ""));        // no stack frame
        Assert.Equal("", run.Out.ToString());
    }

    [Fact]
    public async Task NoRedisAtTheAddressIsOneLineAndExitCodeFour()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);      // a port that was free a moment ago and is closed now
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        string address = $"127.0.0.1:{port}";

        var run = new CapturedTerminal();
        int code = await run.InvokeAsync("generate", "a red circle", "--cluster", address, "--out", Path.GetTempPath()).WaitAsync(Bound);

        Assert.Equal(ExitCodes.Unreachable, code);
        AssertOneClearLine(run, address);
        Assert.Contains("Redis did not accept a connection", run.Error.ToString());
    }

    [Fact]
    public async Task RedisWithNoSiloGivesUpAtTheConnectTimeout()
    {
        await using var redis = await RedisServer.StartAsync();
        string address = $"127.0.0.1:{redis.Port}";

        var run = new CapturedTerminal();
        int code = await run.InvokeAsync("generate", "a red circle", "--cluster", address, "--connect-timeout", "2", "--out", Path.GetTempPath())
            .WaitAsync(Bound);

        Assert.Equal(ExitCodes.Unreachable, code);
        AssertOneClearLine(run, address);
        Assert.Contains("within 2 s (--connect-timeout)", run.Error.ToString());
    }
}
