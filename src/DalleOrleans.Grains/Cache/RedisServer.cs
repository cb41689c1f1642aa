using System.Diagnostics;
using StackExchange.Redis;

namespace DalleOrleans.Grains.Cache;

/// <summary>
/// A real redis-server on a free loopback port, owned by whoever starts it: the tests, and `dalle bench cache` when it
/// is given no cluster. No persistence; stopped (and restartable on the same port) for fault tests.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    Process? _process;

    public int Port { get; } = FreePort.Next();
    public string ConnectionString => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=2000,syncTimeout=2000";
    public bool IsRunning => _process is { HasExited: false };

    public static string FindExecutable()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/bin").Append("/usr/sbin"))
        {
            var path = Path.Combine(dir, "redis-server");
            if (File.Exists(path)) return path;
        }
        throw new InvalidOperationException(
            "redis-server was not found on PATH. The tests need a real Redis: install it with " +
            "'apt-get install -y redis-server' (scripts/test.sh does this when run as root).");
    }

    public static async Task<RedisServer> StartAsync()
    {
        var server = new RedisServer();
        await server.StartProcessAsync();
        return server;
    }

    public async Task StartProcessAsync()
    {
        if (IsRunning) return;
        var psi = new ProcessStartInfo(FindExecutable())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes" })
            psi.ArgumentList.Add(a);
        _process = Process.Start(psi) ?? throw new InvalidOperationException("redis-server did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"redis-server exited with code {_process.ExitCode} while starting on port {Port}.");
            try
            {
                await using var mux = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{Port},abortConnect=true,connectTimeout=500");
                await mux.GetDatabase().PingAsync();
                return;
            }
            catch (RedisConnectionException)
            {
                await Task.Delay(50);
            }
        }
        throw new TimeoutException($"redis-server did not answer PING on 127.0.0.1:{Port} within 15 s.");
    }

    /// <summary>Kills the server (as a crash would); <see cref="StartProcessAsync"/> brings it back on the same port.</summary>
    public async Task StopProcessAsync()
    {
        if (_process is null) return;
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync() => await StopProcessAsync();
}
