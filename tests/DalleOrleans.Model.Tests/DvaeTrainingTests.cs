using DalleOrleans.Model.Dvae;
using TorchSharp;
using static TorchSharp.torch;

namespace DalleOrleans.Model.Tests;

public class DvaeTrainingTests
{
    public DvaeTrainingTests() => TorchRuntime.Initialize();

    /// <summary>Four flat-coloured 16×16 images, each with a white square in a different corner.</summary>
    internal static Tensor Batch()
    {
        var images = torch.zeros(4, 3, 16, 16);                                   // (B, C, H, W)
        float[][] colours = { new[] { 0.9f, 0.1f, 0.1f }, new[] { 0.1f, 0.8f, 0.2f }, new[] { 0.2f, 0.2f, 0.9f }, new[] { 0.8f, 0.8f, 0.1f } };
        for (int b = 0; b < 4; b++)
        {
            for (int c = 0; c < 3; c++) images[b, c].fill_(colours[b][c]);
            images[b].narrow(1, (b / 2) * 8, 8).narrow(2, (b % 2) * 8, 8).fill_(1.0f);
        }
        return images;
    }

    [Fact]
    public void AFewDozenAdamStepsLowerTheLossClearly()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(7);
        var generator = new Generator(7);
        // Bottlenecks of 4 channels rather than the shape tests' 2: still tiny, and learns in a few steps.
        using var vae = new DiscreteVae(DvaeModelTests.Tiny with { HiddenWidth = 16 });
        var images = Batch();
        var schedule = new DvaeSchedule { TemperatureSteps = 40, KlWarmupSteps = 10, FinalKlWeight = 1.0 };
        using var optimizer = torch.optim.Adam(vae.parameters(), lr: 3e-3);

        const int steps = 40;
        var totals = new List<double>();
        var errors = new List<double>();
        for (int step = 0; step < steps; step++)
        {
            using var stepScope = torch.NewDisposeScope();
            optimizer.zero_grad();
            var loss = vae.Loss(images, schedule.Temperature(step), schedule.KlWeight(step), generator);
            loss.Total.backward();
            optimizer.step();
            totals.Add(loss.Total.item<float>());
            errors.Add(loss.Mse.item<float>());
        }
        // The gumbel noise makes single steps jumpy: compare the first step with the mean of the last five.
        double first = totals[0], last = totals.TakeLast(5).Average();
        double firstMse = errors[0], lastMse = errors.TakeLast(5).Average();
        Assert.True(last < first - 0.3, $"loss went from {first:F3} to {last:F3} (mean of the last 5 steps)");
        Assert.True(lastMse < 0.9 * firstMse, $"MSE went from {firstMse:F4} to {lastMse:F4} (mean of the last 5 steps)");
        Assert.All(totals, t => Assert.True(double.IsFinite(t)));
    }
}
