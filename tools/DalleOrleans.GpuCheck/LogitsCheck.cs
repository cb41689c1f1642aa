using DalleOrleans.Model;
using DalleOrleans.Model.Transformer;
using static TorchSharp.torch;

namespace DalleOrleans.GpuCheck;

/// <summary>
/// The shipped model's teacher-forced logits on one fixed sequence (a prompt's text and a fixed image-token grid), on
/// the CPU and on the device under test: where device arithmetic moves a token choice, this bounds how far it moved.
/// </summary>
public static class LogitsCheck
{
    public sealed record Result(double MaxAbsDiff, double MaxAbsLogit, long Count);

    public static Result Compare(string modelPath, Device device, string prompt, int[] imageTokens)
    {
        float[] cpu = Logits(modelPath, CPU, prompt, imageTokens, out double maxAbs);
        float[] other = Logits(modelPath, device, prompt, imageTokens, out _);
        double maxDiff = 0;
        for (int i = 0; i < cpu.Length; i++) maxDiff = Math.Max(maxDiff, Math.Abs(cpu[i] - other[i]));
        return new Result(maxDiff, maxAbs, cpu.Length);
    }

    static float[] Logits(string modelPath, Device device, string prompt, int[] imageTokens, out double maxAbs)
    {
        using var model = ModelBundle.Load(modelPath, device);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var text = tensor(model.Tokenizer.EncodePadded(prompt), device: device).view(1, -1);             // (1, L)
        var image = tensor(imageTokens.Select(t => (long)t).ToArray(), device: device).view(1, -1);       // (1, N)
        var (textLogits, imageLogits) = model.Transformer.Forward(text, image);
        var all = cat(new[] { textLogits.flatten(), imageLogits.flatten() }).to_type(ScalarType.Float32).cpu();
        maxAbs = all.abs().max().item<float>();
        return all.data<float>().ToArray();
    }

    /// <summary>A fixed image-token grid independent of any sampling: token k = (37·k + 11) mod K.</summary>
    public static int[] FixedGrid(TransformerConfig config) =>
        Enumerable.Range(0, config.ImageTokens).Select(k => (37 * k + 11) % config.ImageVocabSize).ToArray();
}
