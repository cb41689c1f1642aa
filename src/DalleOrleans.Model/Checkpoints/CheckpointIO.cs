using TorchSharp;

namespace DalleOrleans.Model.Checkpoints;

/// <summary>
/// Saves a module's state dict as safetensors and loads it back strictly.
/// </summary>
public static class CheckpointIO
{
    /// <summary>
    /// Writes <c>module.state_dict()</c> (parameters and buffers) to <paramref name="path"/>.
    /// </summary>
    /// <param name="module">The module to save.</param>
    /// <param name="path">Destination; replaced atomically.</param>
    /// <param name="metadata">String metadata (e.g. hyperparameters) stored in the header.</param>
    /// <param name="fp16">Store floating-point tensors as float16, halving the file; loading converts back.</param>
    public static void Save(torch.nn.Module module, string path, IReadOnlyDictionary<string, string>? metadata = null, bool fp16 = false)
    {
        ArgumentNullException.ThrowIfNull(module);
        TorchRuntime.Initialize();
        var state = module.state_dict();
        SafeTensors.Write(path, state, metadata, fp16 ? torch.ScalarType.Float16 : null);
    }

    /// <summary>
    /// Loads a checkpoint into <paramref name="module"/>: every expected name must be present with
    /// its exact shape and nothing else may be in the file. Values are converted to each parameter's
    /// dtype and device and copied in place.
    /// </summary>
    /// <returns>The checkpoint's metadata.</returns>
    /// <exception cref="CheckpointException">
    /// The file is unreadable, or it does not match the module; the message lists every missing
    /// name, unexpected name and shape mismatch at once, so one run shows the whole problem.
    /// </exception>
    public static Dictionary<string, string> LoadStrict(torch.nn.Module module, string path)
    {
        ArgumentNullException.ThrowIfNull(module);
        TorchRuntime.Initialize();
        using var file = SafeTensors.Read(path);
        var expected = module.state_dict();

        CheckMatches(path, expected, file.Tensors);

        // Nothing is copied until everything matches, so a bad file never leaves a half-loaded module.
        using (torch.no_grad())
        {
            foreach (var (name, target) in expected)
                target.copy_(file.Tensors[name]);
        }
        return file.Metadata;
    }

    /// <summary>
    /// Loads the part of a checkpoint that <paramref name="module"/> holds: each of its names, mapped by
    /// <paramref name="checkpointName"/> to the file's name, must be in the file with its exact shape; the file's other
    /// tensors (layers held elsewhere) are never read.
    /// </summary>
    /// <exception cref="CheckpointException">The file is unreadable, or lacks a name or shape the part needs (all listed at once).</exception>
    public static Dictionary<string, string> LoadPart(torch.nn.Module module, string path, Func<string, string> checkpointName)
    {
        ArgumentNullException.ThrowIfNull(module);
        TorchRuntime.Initialize();
        var expected = module.state_dict().ToDictionary(kv => checkpointName(kv.Key), kv => kv.Value, StringComparer.Ordinal);
        using var file = SafeTensors.Read(path, expected.ContainsKey);
        CheckMatches(path, expected, file.Tensors);
        using (torch.no_grad())
        {
            foreach (var (name, target) in expected)
                target.copy_(file.Tensors[name]);
        }
        return file.Metadata;
    }

    static void CheckMatches(string path, Dictionary<string, torch.Tensor> expected, Dictionary<string, torch.Tensor> found)
    {
        var missing = expected.Keys.Where(n => !found.ContainsKey(n)).OrderBy(n => n, StringComparer.Ordinal).ToList();
        var unexpected = found.Keys.Where(n => !expected.ContainsKey(n)).OrderBy(n => n, StringComparer.Ordinal).ToList();
        var mismatched = new List<string>();
        foreach (var (name, target) in expected.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (found.TryGetValue(name, out var source) && !source.shape.SequenceEqual(target.shape))
                mismatched.Add($"{name} (expected {SafeTensorEntry.FormatShape(target.shape)}, found {SafeTensorEntry.FormatShape(source.shape)})");
        }
        if (missing.Count == 0 && unexpected.Count == 0 && mismatched.Count == 0) return;

        var parts = new List<string>();
        if (missing.Count > 0) parts.Add($"missing: {string.Join(", ", missing)}");
        if (unexpected.Count > 0) parts.Add($"unexpected: {string.Join(", ", unexpected)}");
        if (mismatched.Count > 0) parts.Add($"shape mismatch: {string.Join(", ", mismatched)}");
        throw new CheckpointException(path, $"does not match the module ({string.Join("; ", parts)}).");
    }
}
