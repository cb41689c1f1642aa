using DalleOrleans.Model.Reranker;
using TorchSharp;
using static TorchSharp.torch;

namespace DalleOrleans.Model.Tests;

public class RerankerTrainingTests
{
    public RerankerTrainingTests() => TorchRuntime.Initialize();

    /// <summary>Eight distinct captions of different lengths, each paired with its own colour and square.</summary>
    static (Tensor Tokens, Tensor Images) PairedBatch()
    {
        var tokens = torch.zeros(8, 6, dtype: ScalarType.Int64);               // (B, L), 0 = pad
        var images = torch.zeros(8, 3, 16, 16);                                  // (B, C, H, W)
        for (int i = 0; i < 8; i++)
        {
            long[] caption = { 1 + i % 4, 5 + i / 4, 7 + i, 15 };
            for (int t = 0; t < 2 + i % 3; t++) tokens[i, t] = caption[t];
            // Colour from i's bits; a bright square whose corner also depends on i.
            for (int c = 0; c < 3; c++) images[i, c].fill_(((i >> c) & 1) == 1 ? 0.8f : 0.15f);
            images[i].narrow(1, (i % 2) * 8, 8).narrow(2, (i / 4) * 8, 8).fill_(1.0f);
        }
        return (tokens, images);
    }

    [Fact]
    public void AFewDozenAdamStepsLearnToMatchCaptionsToImages()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(5);
        using var model = new ContrastiveReranker(RerankerModelTests.Tiny);
        var (tokens, images) = PairedBatch();
        using var optimizer = torch.optim.Adam(model.parameters(), lr: 1e-3);

        double first = 0, last = 0;
        const int steps = 40;
        for (int step = 0; step < steps; step++)
        {
            using var stepScope = torch.NewDisposeScope();
            optimizer.zero_grad();
            var loss = model.ContrastiveLoss(tokens, images);
            loss.backward();
            optimizer.step();
            if (step == 0) first = loss.item<float>();
            if (step == steps - 1) last = loss.item<float>();
        }
        Assert.True(last < 0.25 * first, $"contrastive loss went from {first:F3} to {last:F3}");

        using var _ = torch.no_grad();
        int correct = 0;
        for (int i = 0; i < 8; i++)
            if (model.Score(tokens[i], images).argmax().item<long>() == i) correct++;
        Assert.True(correct >= 6, $"only {correct} of 8 captions scored their own image highest");
    }
}
