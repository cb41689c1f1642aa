using DalleOrleans.Model.Sampling;
using static TorchSharp.torch;

namespace DalleOrleans.Model.Tests;

/// <summary>
/// The batched, on-device halves of sampling (no per-stream loop, no copy to the host): they must draw exactly what the
/// host-facing sampler and the per-row guidance draw, so switching a decode loop to them changes no token.
/// </summary>
public class DeviceSamplingTests
{
    [Fact]
    public void SamplingOnTheDeviceDrawsTheHostSamplersTokens()
    {
        TorchRuntime.Initialize();
        using var scope = NewDisposeScope();
        manual_seed(5);
        var logits = randn(6, 40) * 3;                                                   // (B, K)
        var options = new[]
        {
            new SamplingOptions(), new SamplingOptions(Temperature: 0.5), new SamplingOptions(TopK: 3),
            new SamplingOptions(TopP: 0.3), new SamplingOptions(Temperature: 2, TopK: 10, TopP: 0.9), new SamplingOptions(TopK: 1),
        };
        double[] uniforms = { 0.01, 0.25, 0.5, 0.75, 0.99, 0.6 };
        long[] host = TokenSampler.Sample(logits, options, uniforms);

        var onDevice = TokenSampler.SampleOnDevice(logits, SamplingRows.From(options, CPU),
            tensor(uniforms.Select(u => (float)u).ToArray()));
        Assert.Equal(ScalarType.Int64, onDevice.dtype);
        Assert.Equal(host, onDevice.data<long>().ToArray());
        // Top-k 1 is the arg-max whatever the uniform: an expectation that does not come from the sampler.
        Assert.Equal(logits[5].argmax().item<long>(), host[5]);
    }

    [Fact]
    public void RowBatchedGuidanceEqualsPerRowGuidanceAndLeavesUnguidedRowsUntouched()
    {
        TorchRuntime.Initialize();
        using var scope = NewDisposeScope();
        manual_seed(6);
        var logits = randn(5, 12);                                                       // five cache rows
        // Stream 0: guided by rows 0/1 at 3.0; stream 1: unguided on row 2; stream 2: guided by rows 3/4 at 0.5.
        var cond = tensor(new long[] { 0, 2, 3 });
        var uncond = tensor(new long[] { 1, 2, 4 });
        var scales = tensor(new float[] { 3f, 1f, 0.5f });

        var batched = TokenSampler.GuideRows(logits, cond, uncond, scales);             // (3, 12)

        Assert.True(batched[0].eq(TokenSampler.Guide(logits[0], logits[1], 3.0)).all().item<bool>());
        Assert.True(batched[1].eq(logits[2]).all().item<bool>());                         // bit-exact, not recomputed
        Assert.True(batched[2].eq(TokenSampler.Guide(logits[3], logits[4], 0.5)).all().item<bool>());
        // And the arithmetic itself, by hand: uncond + s·(cond − uncond) for one element.
        float c = logits[0, 7].item<float>(), u = logits[1, 7].item<float>();
        Assert.Equal(u + 3f * (c - u), batched[0, 7].item<float>(), 5);
    }
}
