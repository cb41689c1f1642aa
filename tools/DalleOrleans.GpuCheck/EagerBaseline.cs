using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;

namespace DalleOrleans.GpuCheck;

/// <summary>
/// Runs deploy/gpu/eager_step.py (the same decode step as plain PyTorch eager code) with the same sizes, and reads its
/// JSON. Skipped, with the reason, when there is no interpreter, no script or no torch module.
/// </summary>
public static class EagerBaseline
{
    public sealed record Outcome(IReadOnlyDictionary<int, double> MedianMs, string TorchVersion, string? Skipped);

    public static Outcome Run(GpuCheckOptions o, int position, int threads, TimeSpan timeout)
    {
        if (string.IsNullOrWhiteSpace(o.Python)) return Skip("no Python interpreter configured (--python \"\")");
        string script = FindScript(o.EagerScript);
        if (!File.Exists(script)) return Skip($"the baseline script '{script}' does not exist (--eager-script)");
        string json = Path.Combine(Path.GetTempPath(), $"dalle-eager-{Environment.ProcessId}-{Guid.NewGuid():N}.json");
        var start = new ProcessStartInfo(o.Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in new[]
                 {
                     script, "--device", o.Device, "--dtype", GpuCheckOptions.DTypeName(o.DType), "--layers", o.Layers.ToString(),
                     "--model-dim", o.ModelDim.ToString(), "--heads", o.Heads.ToString(), "--position", position.ToString(),
                     "--batches", string.Join(",", o.Batches), "--reps", o.Reps.ToString(), "--threads", threads.ToString(), "--json", json,
                 })
            start.ArgumentList.Add(arg);
        try
        {
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                return Skip($"{o.Python} {Path.GetFileName(script)} did not finish within {timeout.TotalSeconds:F0} s");
            }
            string err = stderr.Result;
            if (process.ExitCode != 0)
                return Skip(err.Contains("No module named 'torch'")
                    ? $"{o.Python} has no torch module"
                    : $"{o.Python} {Path.GetFileName(script)} exited with code {process.ExitCode}: {Tail(err + stdout.Result)}");
            using var doc = JsonDocument.Parse(File.ReadAllText(json));
            var medians = doc.RootElement.GetProperty("results").EnumerateArray()
                .ToDictionary(r => r.GetProperty("batch").GetInt32(), r => r.GetProperty("median_ms").GetDouble());
            return new Outcome(medians, doc.RootElement.GetProperty("torch").GetString() ?? "?", null);
        }
        catch (Win32Exception e)
        {
            return Skip($"'{o.Python}' could not be started ({e.Message})");
        }
        finally
        {
            if (File.Exists(json)) File.Delete(json);
        }
    }

    /// <summary>The script as given, else next to the program in the bundle (eager/eager_step.py), else the repository's.</summary>
    static string FindScript(string given)
    {
        if (!string.IsNullOrWhiteSpace(given)) return Path.GetFullPath(given);
        string[] candidates =
        {
            Path.Combine(AppContext.BaseDirectory, "..", "eager", "eager_step.py"),
            Path.Combine(Environment.CurrentDirectory, "eager", "eager_step.py"),
            Path.Combine(Environment.CurrentDirectory, "deploy", "gpu", "eager_step.py"),
        };
        return Path.GetFullPath(candidates.FirstOrDefault(File.Exists) ?? candidates[^1]);
    }

    static Outcome Skip(string why) => new(new Dictionary<int, double>(), "", why);

    static string Tail(string text)
    {
        string flat = text.Trim().Replace('\n', ' ');
        return flat.Length <= 400 ? flat : "…" + flat[^400..];
    }
}
