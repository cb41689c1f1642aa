using DalleOrleans.Model.Sampling;
using DalleOrleans.Model.Transformer;
using TorchSharp;
using static TorchSharp.torch;

namespace DalleOrleans.Model.Tests;

public class TransformerTrainingTests
{
    static readonly TransformerConfig Config = new()
    {
        TextVocabSize = 12, TextLength = 4, ImageVocabSize = 8, GridSize = 3, ModelDim = 32, Heads = 4, Layers = 2,
        Attention = new[] { AttentionKind.Row, AttentionKind.Conv },
    };

    [Fact]
    public void AFewAdamStepsLowerTheWeightedLossOnATinyBatch()
    {
        TorchRuntime.Initialize();
        manual_seed(4);
        using var model = new DalleTransformer(Config);
        model.train();
        var text = randint(2, Config.TextVocabSize, new long[] { 4, Config.TextLength }, dtype: int64);
        var image = randint(0, Config.ImageVocabSize, new long[] { 4, Config.ImageTokens }, dtype: int64);
        var optimizer = optim.Adam(model.parameters(), lr: 3e-3);
        float first = 0, last = 0;
        for (int step = 0; step < 40; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var (total, textLoss, imageLoss) = model.Loss(text, image);
            total.backward();
            optimizer.step();
            last = total.item<float>();
            if (step == 0)
            {
                first = last;
                // The paper's weighting: 1/8 text + 7/8 image.
                Assert.Equal(textLoss.item<float>() / 8 + imageLoss.item<float>() * 7 / 8, last, 4);
            }
        }
        Assert.True(last < first * 0.6, $"loss went from {first} to {last}");
    }

    [Fact]
    public void ThousandsOfDecodeStepsLeaveNoTensorsBehind()
    {
        TorchRuntime.Initialize();
        manual_seed(5);
        using var model = new DalleTransformer(Config);
        model.eval();
        using var batcher = new ContinuousBatcher(model, 6, CPU);
        long[] text = { 3, 4, 0, 0 };
        void RunRequests(int count)
        {
            for (int i = 0; i < count; i++)
            {
                batcher.TryAdd(new CandidateStream(text, new SamplingOptions(TopK: 4, GuidanceScale: i % 2 == 0 ? 1 : 2),
                    CandidateRandom.StreamKey(i, 0), Config.ImageTokens));
                batcher.TryAdd(new CandidateStream(text, new SamplingOptions(), CandidateRandom.StreamKey(i, 1), Config.ImageTokens));
                while (!batcher.IsIdle) batcher.Step();
            }
        }
        RunRequests(5);                                      // warm-up: lazily built masks
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        RunRequests(250);                                    // 250 requests × 9 steps
        var after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Assert.Equal(before, after);
    }
}
