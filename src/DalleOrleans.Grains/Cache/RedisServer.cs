using System.Diagnostics;
using System.Runtime.InteropServices;
using StackExchange.Redis;

namespace DalleOrleans.Grains.Cache;

/// <summary>
/// A real redis-server on a free loopback port, owned by whoever starts it: the tests, and `dalle bench cache` when it
/// is given no cluster. No persistence; hung (SIGSTOP), killed and restarted on the same port for fault tests. With
/// <see cref="RedisServerOptions"/> it requires a password and/or serves TLS only.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    Process? _process;
    readonly RedisServerOptions _options;

    RedisServer(RedisServerOptions? options) => _options = options ?? new RedisServerOptions();

    public int Port { get; } = FreePort.Next();
    /// <summary>What a client configures: the password and TLS (host name "localhost", as the test certificates name it) included.</summary>
    public string ConnectionString => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=2000,syncTimeout=2000"
        + (_options.Password is { } p ? $",password={p}" : "") + (_options.TlsCertFile is not null ? ",ssl=true,sslHost=localhost" : "");
    /// <summary>The process id, while it runs.</summary>
    public int? ProcessId => IsRunning ? _process!.Id : null;
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

    public static async Task<RedisServer> StartAsync(RedisServerOptions? options = null)
    {
        var server = new RedisServer(options);
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
        var args = new List<string> { "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes" };
        if (_options.TlsCertFile is null) args.AddRange(["--port", Port.ToString()]);
        else args.AddRange(["--port", "0", "--tls-port", Port.ToString(), "--tls-cert-file", _options.TlsCertFile,
                            "--tls-key-file", _options.TlsKeyFile ?? "", "--tls-auth-clients", "no"]);
        if (_options.Password is { } password) args.AddRange(["--requirepass", password]);
        if (_options.MaxMemory is { } max) args.AddRange(["--maxmemory", max, "--maxmemory-policy", "allkeys-lru"]);
        foreach (var a in args) psi.ArgumentList.Add(a);
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
                var probe = ConfigurationOptions.Parse(ConnectionString + ",abortConnect=true,connectTimeout=500");
                if (_options.CaFile is { } ca) probe.TrustIssuer(ca);
                await using var mux = await ConnectionMultiplexer.ConnectAsync(probe);
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

    /// <summary>Hangs the server (SIGSTOP): connections stay open and nothing is answered, as with a stalled host.</summary>
    public void Pause() => Signal(19, "SIGSTOP");

    /// <summary>Lets a paused server go on (SIGCONT).</summary>
    public void Resume() => Signal(18, "SIGCONT");

    void Signal(int signal, string name)
    {
        if (!IsRunning) throw new InvalidOperationException($"redis-server on port {Port} is not running; cannot send {name}.");
        if (SendSignal(_process!.Id, signal) != 0)
            throw new InvalidOperationException($"{name} to redis-server (pid {_process.Id}) failed: errno {Marshal.GetLastPInvokeError()}.");
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    static extern int SendSignal(int pid, int signal);

    public async ValueTask DisposeAsync() => await StopProcessAsync();
}

/// <summary>A redis-server that requires a password, and/or serves only TLS with the given certificate (PEM files).</summary>
public sealed record RedisServerOptions
{
    public string? Password { get; init; }
    public string? TlsCertFile { get; init; }
    public string? TlsKeyFile { get; init; }
    /// <summary>The certificate authority a client must trust to reach a TLS server (its own probe uses it).</summary>
    public string? CaFile { get; init; }
    /// <summary>--maxmemory (e.g. "64mb") with the allkeys-lru policy, as the deployed cache Redis runs.</summary>
    public string? MaxMemory { get; init; }
}
