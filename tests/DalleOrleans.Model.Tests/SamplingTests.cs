using DalleOrleans.Model.Sampling;
using DalleOrleans.Model.Transformer;
using TorchSharp;
using static TorchSharp.torch;

namespace DalleOrleans.Model.Tests;

public class SamplingTests
{
    static readonly TransformerConfig Config = new()
    {
        TextVocabSize = 20, TextLength = 5, ImageVocabSize = 16, GridSize = 3, ModelDim = 32, Heads = 4,
        Layers = 3, Attention = TransformerConfig.DefaultPattern(3),
    };

    static DalleTransformer Model(int seed)
    {
        TorchRuntime.Initialize();
        manual_seed(seed);
        var m = new DalleTransformer(Config);
        m.eval();
        return m;
    }

    static long[] Text(params long[] ids) => ids.Concat(Enumerable.Repeat(0L, Config.TextLength - ids.Length)).ToArray();

    static CandidateStream Stream(long[] text, long seed, int index, SamplingOptions? options = null) =>
        new(text, options ?? new SamplingOptions(), CandidateRandom.StreamKey(seed, index), Config.ImageTokens);

    static void RunToEnd(ContinuousBatcher batcher) { while (!batcher.IsIdle) batcher.Step(); }

    [Fact]
    public void ACandidateDrawsTheSameTokensAloneAndInsideAMixedBatch()
    {
        var model = Model(11);
        var options = new SamplingOptions(Temperature: 1.0, TopK: 8);
        var alone = Stream(Text(3, 4, 5), seed: 42, index: 1, options);
        using (var b = new ContinuousBatcher(model, 8, CPU)) { b.TryAdd(alone); RunToEnd(b); }

        var again = Stream(Text(3, 4, 5), seed: 42, index: 1, options);
        using (var b = new ContinuousBatcher(model, 8, CPU))
        {
            // Other requests' candidates with other prompts, seeds and options, one of them guided, start first.
            b.TryAdd(Stream(Text(7, 8), 1, 0));
            b.TryAdd(Stream(Text(9), 2, 3, new SamplingOptions(Temperature: 0.5, TopP: 0.8, GuidanceScale: 3)));
            b.Step(); b.Step();
            b.TryAdd(again);                                                  // joins two steps late
            b.TryAdd(Stream(Text(3, 4, 5), 42, 2, options));                  // same request, another candidate
            b.Step();
            b.TryAdd(Stream(Text(10, 11, 12, 13, 14), 5, 0));
            RunToEnd(b);
        }
        Assert.Equal(alone.ImageTokens, again.ImageTokens);
    }

    [Fact]
    public void DifferentCandidateIndicesOrSeedsDrawDifferentTokens()
    {
        var model = Model(12);
        var a = Stream(Text(3), 42, 0); var b = Stream(Text(3), 42, 1); var c = Stream(Text(3), 43, 0);
        using var batcher = new ContinuousBatcher(model, 4, CPU);
        batcher.TryAdd(a); batcher.TryAdd(b); batcher.TryAdd(c);
        RunToEnd(batcher);
        Assert.NotEqual(a.ImageTokens, b.ImageTokens);
        Assert.NotEqual(a.ImageTokens, c.ImageTokens);
    }

    [Fact]
    public void GuidedTokensAreDrawnFromUncondPlusScaleTimesTheDifference()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var model = Model(13);
        var options = new SamplingOptions(GuidanceScale: 4.0);
        var text = Text(6, 7, 8);
        var stream = Stream(text, 9, 0, options);
        using (var b = new ContinuousBatcher(model, 2, CPU)) { b.TryAdd(stream); RunToEnd(b); }

        // Reference: full forward passes of the caption and of the empty caption over the drawn tokens.
        var image = tensor(stream.ImageTokens.Select(t => (long)t).ToArray()).view(1, -1);
        var (_, cond) = model.Forward(tensor(text).view(1, -1), image);
        var (_, uncond) = model.Forward(zeros(1, Config.TextLength, dtype: int64), image);
        var guided = TokenSampler.Guide(cond, uncond, 4.0)[0];                 // (N, K)
        for (int k = 0; k < Config.ImageTokens; k++)
        {
            var token = TokenSampler.Sample(guided[k].unsqueeze(0), new[] { options }, new[] { CandidateRandom.Uniform(stream.RandomKey, k) });
            Assert.Equal(stream.ImageTokens[k], (int)token[0]);
        }
        // The unconditional row really is a different stream (the empty caption), so guidance moves the logits.
        Assert.True((guided - cond[0]).abs().max().item<float>() > 1e-4);
    }

    [Fact]
    public void TopKOfOneAndTinyTopPPickTheMostLikelyToken()
    {
        TorchRuntime.Initialize();
        using var scope = NewDisposeScope();
        var logits = tensor(new float[] { 0.1f, 2.0f, 1.9f, -3f, 0.5f, 1.95f }).view(2, 3);
        var tokens = TokenSampler.Sample(logits, new[] { new SamplingOptions(TopK: 1), new SamplingOptions(TopP: 1e-6) }, new[] { 0.999, 0.999 });
        Assert.Equal(new long[] { 1, 2 }, tokens);
    }

    [Fact]
    public void UniformsMapThroughTheCumulativeDistribution()
    {
        TorchRuntime.Initialize();
        using var scope = NewDisposeScope();
        // Probabilities 0.5, 0.25, 0.25 (sorted order: token 2, then 0, then 1).
        var logits = tensor(new float[] { MathF.Log(0.25f), MathF.Log(0.25f), MathF.Log(0.5f) }).view(1, 3);
        long Draw(double u) => TokenSampler.Sample(logits, new[] { new SamplingOptions() }, new[] { u })[0];
        Assert.Equal(2, Draw(0.1));
        Assert.Equal(2, Draw(0.49));
        Assert.Contains(Draw(0.6), new long[] { 0, 1 });
        Assert.NotEqual(Draw(0.6), Draw(0.9));
        // top-p 0.5 keeps only the top token.
        Assert.Equal(2, TokenSampler.Sample(logits, new[] { new SamplingOptions(TopP: 0.5) }, new[] { 0.99 })[0]);
    }

    [Theory]
    [InlineData(0.0, 0, 1.0, 1.0, "temperature")]
    [InlineData(double.NaN, 0, 1.0, 1.0, "temperature")]
    [InlineData(double.PositiveInfinity, 0, 1.0, 1.0, "temperature")]
    [InlineData(1.0, -1, 1.0, 1.0, "top-k")]
    [InlineData(1.0, 17, 1.0, 1.0, "top-k")]
    [InlineData(1.0, 0, 0.0, 1.0, "top-p")]
    [InlineData(1.0, 0, 1.5, 1.0, "top-p")]
    [InlineData(1.0, 0, 1.0, -1.0, "guidance")]
    [InlineData(1.0, 0, 1.0, 21.0, "guidance")]
    public void BadOptionsNameTheFieldAndItsRange(double temperature, int topK, double topP, double guidance, string field)
    {
        var e = Assert.Throws<ArgumentException>(() => new SamplingOptions(temperature, topK, topP, guidance).Validate(16));
        Assert.StartsWith(field, e.Message);
        Assert.Contains("must be", e.Message);
    }

    [Fact]
    public void CancelledStreamsFreeTheirRows()
    {
        var model = Model(14);
        using var batcher = new ContinuousBatcher(model, 3, CPU);
        var guided = Stream(Text(3), 1, 0, new SamplingOptions(GuidanceScale: 2));
        var plain = Stream(Text(4), 1, 1);
        bool finished = false;
        var watched = new CandidateStream(Text(5), new SamplingOptions(), 7, Config.ImageTokens) { OnFinished = _ => finished = true };
        Assert.True(batcher.TryAdd(guided));
        Assert.True(batcher.TryAdd(plain));
        Assert.False(batcher.TryAdd(watched));            // 3 rows: guided takes 2
        batcher.Step();
        guided.Cancel();
        batcher.Step();
        Assert.Equal(2, batcher.FreeRows);
        Assert.True(batcher.TryAdd(watched));
        RunToEnd(batcher);
        Assert.True(finished && watched.IsComplete && plain.IsComplete && !guided.IsComplete);
        Assert.Equal(3, batcher.FreeRows);
        Assert.True(batcher.IsIdle);
    }
}
