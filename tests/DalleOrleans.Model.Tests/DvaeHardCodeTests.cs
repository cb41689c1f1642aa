using DalleOrleans.Model.Dvae;
using TorchSharp;
using static TorchSharp.torch;

namespace DalleOrleans.Model.Tests;

/// <summary>The two hard-code objectives: decoder-only fine-tuning keeps the encoder's codes; straight-through trains both halves.</summary>
public class DvaeHardCodeTests
{
    public DvaeHardCodeTests() => TorchRuntime.Initialize();

    /// <summary>The training tests' four flat-coloured 16×16 images, each with a white square in a different corner.</summary>
    static Tensor Images() => DvaeTrainingTests.Batch();

    [Fact]
    public void DecoderOnlyStepsLowerTheHardCodeLossAndLeaveTheCodesAlone()
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        using var vae = new DiscreteVae(DvaeModelTests.Tiny with { HiddenWidth = 16 });
        var images = Images();
        var codesBefore = vae.Encode(images).clone();
        vae.FreezeEncoder();
        var trainable = vae.parameters().Where(p => p.requires_grad).ToList();
        Assert.NotEmpty(trainable);
        using var optimizer = optim.Adam(trainable, lr: 3e-3);
        var losses = new List<double>();
        for (int step = 0; step < 30; step++)
        {
            using var stepScope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = vae.HardCodeLoss(images);
            loss.Total.backward();
            optimizer.step();
            losses.Add(loss.Total.item<float>());
        }
        Assert.True(losses.TakeLast(3).Average() < losses[0] - 0.3, $"hard-code loss went from {losses[0]:F3} to {losses.TakeLast(3).Average():F3}");
        Assert.True(vae.Encode(images).eq(codesBefore).all().item<bool>(), "the frozen encoder's codes changed");
        // And what was optimised is exactly what serving decodes: the loss's MSE is that of Decode(Encode(x)).
        using (no_grad())
        {
            double served = (vae.Decode(vae.Encode(images)) - images).square().mean().item<float>();
            Assert.Equal(served, vae.HardCodeLoss(images).Mse.item<float>(), 4);
        }
    }

    [Fact]
    public void StraightThroughReachesTheEncoderAndTheAnchorPullsItsCodes()
    {
        using var scope = NewDisposeScope();
        manual_seed(9);
        using var vae = new DiscreteVae(DvaeModelTests.Tiny with { HiddenWidth = 16 });
        var images = Images();
        var anchor = torch.zeros(4, vae.Config.GridSize, vae.Config.GridSize, dtype: int64);   // every cell: code 0
        var loss = vae.StraightThroughLoss(images, anchor, anchorWeight: 1.0);
        loss.Total.backward();
        var encoderGradient = vae.named_parameters().Where(p => p.name.StartsWith("encoder.")).Sum(p => p.parameter.grad is { } g ? g.abs().sum().item<float>() : 0f);
        Assert.True(encoderGradient > 0, "no gradient reached the encoder");
        // Usage reports the share of cells off the anchor: here, those whose argmax is not code 0.
        double expected = vae.Encode(images).ne(0).to(float32).mean().item<float>();
        Assert.Equal(expected, loss.Usage.item<float>(), 5);

        // A strong anchor moves the codes onto it within a few steps.
        using var optimizer = optim.Adam(vae.parameters(), lr: 1e-2);
        for (int step = 0; step < 30; step++)
        {
            using var stepScope = NewDisposeScope();
            optimizer.zero_grad();
            vae.StraightThroughLoss(images, anchor, anchorWeight: 10.0).Total.backward();
            optimizer.step();
        }
        double offAnchor = vae.Encode(images).ne(0).to(float32).mean().item<float>();
        Assert.True(offAnchor < 0.1, $"{offAnchor:P0} of the cells still off the anchor code");
    }
}
