using DalleOrleans.Model;

namespace DalleOrleans.Client.Tests;

/// <summary>A tiny random model written once to a temp folder for the CLI tests.</summary>
public sealed class TinyModelFolder : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "dalle-cli-model-" + Guid.NewGuid().ToString("N"));

    public TinyModelFolder()
    {
        using var model = ModelPresets.CreateTiny(seed: 1);
        model.Save(Path, fp16: false);
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
