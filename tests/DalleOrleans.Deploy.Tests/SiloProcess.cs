using System.Diagnostics;
using System.Text;
using DalleOrleans.Grains;
using DalleOrleans.Testing;

namespace DalleOrleans.Deploy.Tests;

/// <summary>
/// The dalle-silo program as its own process on loopback (Redis clustering, free ports, the shared tiny model), so a
/// test can SIGKILL it as a crash or a lost node would: nothing in it gets to run, unlike an in-process silo.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    readonly Process _process;
    readonly StringBuilder _output = new();

    public int HttpPort { get; }
    public HttpClient Http { get; }
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;

    SiloProcess(Process process, int httpPort)
    {
        _process = process;
        HttpPort = httpPort;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>The silo's build output beside this test's (same configuration): built with the test project, which references it.</summary>
    public static string SiloDll
    {
        get
        {
            string configuration = typeof(SiloProcess).Assembly.Location.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
            string dll = Repo.PathOf($"silo/DalleOrleans.Silo/bin/{configuration}/net10.0/dalle-silo.dll");
            Assert.True(File.Exists(dll), $"{dll} is missing: build silo/DalleOrleans.Silo -c {configuration}");
            return dll;
        }
    }

    public static SiloProcess Start(string clusterRedis, string clusterId, params string[] extra)
    {
        int http = FreePort.Next();
        var psi = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(SiloDll)!,        // its appsettings.json (log levels) is beside it
        };
        psi.ArgumentList.Add(SiloDll);
        foreach (var a in new[]
                 {
                     $"--Cluster:Redis={clusterRedis}", $"--Cluster:ClusterId={clusterId}",
                     $"--Cluster:SiloPort={FreePort.Next()}", $"--Cluster:GatewayPort={FreePort.Next()}", $"--Http:Port={http}",
                     $"--Model:Path={SharedTinyModel.Folder}", "--Torch:Threads=1",
                 }.Concat(extra))
            psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_ENVIRONMENT"] = "Production";
        var process = Process.Start(psi) ?? throw new InvalidOperationException("dotnet did not start the silo.");
        var silo = new SiloProcess(process, http);
        process.OutputDataReceived += (_, e) => silo.Append(e.Data);
        process.ErrorDataReceived += (_, e) => silo.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return silo;
    }

    void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    /// <summary>What the process printed so far (for failure messages).</summary>
    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <summary>Polls /readyz until it answers 200 (model loaded, silo joined, device registered).</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"the silo exited with code {_process.ExitCode}:\n{Output}");
            try
            {
                using var response = await Http.GetAsync("/readyz");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }                     // not listening yet
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"the silo was not ready within {timeout.TotalSeconds:F0} s:\n{Output}");
            await Task.Delay(100);
        }
    }

    public async Task<PrometheusText> ScrapeAsync()
    {
        using var response = await Http.GetAsync("/metrics");
        response.EnsureSuccessStatusCode();
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync());
    }

    /// <summary>SIGKILL: the process ends at once, without leaving the cluster or closing anything.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
