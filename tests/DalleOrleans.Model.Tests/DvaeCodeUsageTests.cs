using DalleOrleans.Model.Dvae;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace DalleOrleans.Model.Tests;

public sealed class DvaeCodeUsageTests
{
    [Fact]
    public void Penalty_is_zero_when_every_code_is_used_equally_and_one_when_one_code_takes_all()
    {
        using var scope = NewDisposeScope();
        const int K = 16;
        // Every cell sure of a different code, the 16 cells covering all codes once: q̄ is uniform.
        var spread = nn.functional.one_hot(arange(K).reshape(1, 4, 4), K).permute(0, 3, 1, 2).to(float32);      // (1, K, 4, 4)
        var logSpread = (spread * 40 - 20).log_softmax(1);
        Assert.Equal(0.0, DvaeCodeUsage.Penalty(logSpread).item<float>(), 3);

        // Every cell sure of code 3: the collapse the term is there to prevent.
        var collapsed = nn.functional.one_hot(full(new long[] { 2, 4, 4 }, 3L), K).permute(0, 3, 1, 2).to(float32);
        Assert.Equal(1.0, DvaeCodeUsage.Penalty((collapsed * 40 - 20).log_softmax(1)).item<float>(), 3);

        // Half the cells on code 0, half on code 1: ln K − ln 2 of ln K.
        var two = nn.functional.one_hot(tensor(new long[] { 0, 1, 0, 1 }).reshape(1, 2, 2), K).permute(0, 3, 1, 2).to(float32);
        Assert.Equal(1 - Math.Log(2) / Math.Log(K), DvaeCodeUsage.Penalty((two * 40 - 20).log_softmax(1)).item<float>(), 3);
    }

    [Fact]
    public void Loss_adds_the_weighted_penalty_and_its_gradient_reaches_the_encoder()
    {
        using var scope = NewDisposeScope();
        var config = new DvaeConfig { ImageSize = 16, Channels = 3, CodebookSize = 32, HiddenWidth = 8, BlocksPerGroup = 1, Groups = 3, DecoderInputWidth = 16 };
        using var vae = new DiscreteVae(config);
        var images = rand(new long[] { 2, 3, 16, 16 }, generator: new Generator(1));
        var plain = vae.Loss(images, 1.0, 0.0, new Generator(7), usageWeight: 0.0);
        var weighted = vae.Loss(images, 1.0, 0.0, new Generator(7), usageWeight: 2.5);
        double usage = weighted.Usage.item<float>();
        Assert.InRange(usage, 0.0, 1.0);
        Assert.Equal(plain.Total.item<float>() + 2.5 * usage, weighted.Total.item<float>(), 4);

        weighted.Total.backward();
        var encoderGrad = vae.named_parameters().First(p => p.name.StartsWith("encoder.")).parameter.grad;
        Assert.NotNull(encoderGrad);
        Assert.True(encoderGrad!.abs().sum().item<float>() > 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => vae.Loss(images, 1.0, 0.0, usageWeight: -1));
    }
}
