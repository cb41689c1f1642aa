using System.Diagnostics;

namespace DalleOrleans.Web.Tests.Browser;

/// <summary>
/// A headless Chromium (Debian's `chromium` package) with remote debugging on a port it picks itself; the port and the
/// browser's DevTools path are read from the DevToolsActivePort file it writes into its private profile folder.
/// Disposing kills it (with its helper processes) and deletes the profile.
/// </summary>
public sealed class Chromium : IAsyncDisposable
{
    public const string InstallHint = "install it with: apt-get install -y chromium";

    readonly Process _process;
    readonly string _profile;
    readonly Queue<string> _log = new();

    Chromium(Process process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    /// <summary>ws://127.0.0.1:PORT/devtools/browser/ID</summary>
    public Uri DevToolsEndpoint { get; private set; } = null!;

    /// <summary>The last lines Chromium printed, for failure messages.</summary>
    public string RecentOutput
    {
        get { lock (_log) return string.Join('\n', _log); }
    }

    /// <summary>The browser executable; fails the test (never skips it) when it is not installed.</summary>
    public static string Locate()
    {
        var candidates = new[] { Environment.GetEnvironmentVariable("CHROMIUM_PATH"), "/usr/bin/chromium", "/usr/bin/chromium-browser" }
            .Concat((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
                .Select(dir => Path.Combine(dir, "chromium")));
        return candidates.FirstOrDefault(p => !string.IsNullOrEmpty(p) && File.Exists(p))
            ?? throw new Xunit.Sdk.XunitException($"Chromium was not found (looked for /usr/bin/chromium and 'chromium' on PATH); {InstallHint}");
    }

    public static async Task<Chromium> LaunchAsync(TimeSpan timeout)
    {
        string executable = Locate();
        string profile = Path.Combine(Path.GetTempPath(), $"dalle-web-chromium-{Guid.NewGuid():N}");
        Directory.CreateDirectory(profile);
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--disable-sync", "--disable-default-apps", "--disable-extensions", "--mute-audio",
            "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", $"--user-data-dir={profile}",
            "--window-size=1100,900", "about:blank",
        }) start.ArgumentList.Add(arg);

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {executable}");
        var chromium = new Chromium(process, profile);
        process.OutputDataReceived += (_, e) => chromium.Remember(e.Data);
        process.ErrorDataReceived += (_, e) => chromium.Remember(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            chromium.DevToolsEndpoint = await chromium.ReadEndpointAsync(timeout);
            return chromium;
        }
        catch
        {
            await chromium.DisposeAsync();
            throw;
        }
    }

    async Task<Uri> ReadEndpointAsync(TimeSpan timeout)
    {
        string file = Path.Combine(_profile, "DevToolsActivePort");
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"Chromium exited at start (code {_process.ExitCode}):\n{RecentOutput}");
            if (File.Exists(file))
            {
                // Written as "PORT\n/devtools/browser/ID\n"; it may be seen half-written, so wait for both lines.
                var lines = (await File.ReadAllLinesAsync(file)).Where(l => l.Length > 0).ToArray();
                if (lines.Length >= 2 && int.TryParse(lines[0], out int port))
                    return new Uri($"ws://127.0.0.1:{port}{lines[1]}");
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"Chromium wrote no DevToolsActivePort within {timeout.TotalSeconds} s:\n{RecentOutput}");
    }

    void Remember(string? line)
    {
        if (line is null) return;
        lock (_log)
        {
            _log.Enqueue(line);
            while (_log.Count > 40) _log.Dequeue();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception) { }
        _process.Dispose();
        try { Directory.Delete(_profile, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
