using System.Diagnostics;
using DalleOrleans.Grains;
using StackExchange.Redis;

namespace DalleOrleans.Client.Bench;

/// <summary>
/// A throw-away redis-server on a free loopback port for `bench cache` (no persistence, killed when the bench ends), so the
/// measurement needs nothing running beforehand. The same flags as the test fixture's server.
/// </summary>
public sealed class RedisProcess : IAsyncDisposable
{
    readonly Process _process;

    RedisProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }
    public string ConnectionString => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=2000,syncTimeout=2000";

    static string Executable() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/bin").Append("/usr/sbin")
            .Select(dir => Path.Combine(dir, "redis-server")).FirstOrDefault(File.Exists)
        ?? throw new ArgumentException("--cluster: no cluster given and redis-server is not on PATH; install redis-server or pass --cluster <redis>.");

    public static async Task<RedisProcess> StartAsync(CancellationToken cancellation)
    {
        int port = FreePort.Next();
        var psi = new ProcessStartInfo(Executable()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes" })
            psi.ArgumentList.Add(a);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("redis-server did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var redis = new RedisProcess(process, port);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) throw new InvalidOperationException($"redis-server exited with code {process.ExitCode} while starting on port {port}.");
            try
            {
                await using var mux = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},abortConnect=true,connectTimeout=500");
                await mux.GetDatabase().PingAsync();
                return redis;
            }
            catch (RedisConnectionException)
            {
                await Task.Delay(50, cancellation);
            }
        }
        await redis.DisposeAsync();
        throw new TimeoutException($"redis-server did not answer PING on 127.0.0.1:{port} within 15 s.");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
