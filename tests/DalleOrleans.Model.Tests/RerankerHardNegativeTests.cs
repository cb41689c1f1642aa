using DalleOrleans.Model.Reranker;
using TorchSharp;
using static TorchSharp.torch;

namespace DalleOrleans.Model.Tests;

/// <summary>The contrastive loss with one extra negative image per caption.</summary>
public class RerankerHardNegativeTests
{
    public RerankerHardNegativeTests() => TorchRuntime.Initialize();

    [Fact]
    public void EachCaptionsSoftmaxRunsOverAllImagesAndNegativesWhileImagesRankOnlyTheCaptions()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        using var model = new ContrastiveReranker(RerankerModelTests.Tiny);
        const int B = 3;
        var tokens = tensor(new long[] { 1, 2, 0, 3, 4, 5, 6, 0, 0 }, new long[] { B, 3 });   // three distinct captions
        var images = torch.rand(B, 3, 16, 16);
        var negatives = torch.rand(B, 3, 16, 16);
        float loss = model.ContrastiveLossWithNegatives(tokens, images, negatives).item<float>();

        // The formula written out on the logits: captions × (B images, B negatives).
        var logits = model.forward(tokens, torch.cat([images, negatives], 0)).data<float>().ToArray();   // (B, 2B) row-major
        double textToImage = 0, imageToText = 0;
        for (int i = 0; i < B; i++)
        {
            double rowMax = Enumerable.Range(0, 2 * B).Max(j => logits[i * 2 * B + j]);
            double rowLogSum = rowMax + Math.Log(Enumerable.Range(0, 2 * B).Sum(j => Math.Exp(logits[i * 2 * B + j] - rowMax)));
            textToImage += rowLogSum - logits[i * 2 * B + i];
            double colMax = Enumerable.Range(0, B).Max(r => logits[r * 2 * B + i]);
            double colLogSum = colMax + Math.Log(Enumerable.Range(0, B).Sum(r => Math.Exp(logits[r * 2 * B + i] - colMax)));
            imageToText += colLogSum - logits[i * 2 * B + i];
        }
        double expected = (textToImage / B + imageToText / B) / 2;
        Assert.Equal(expected, loss, 4);

        // A negative that is the caption's own image makes the caption's choice a coin flip: the loss cannot fall below ln 2 / 2.
        float duplicate = model.ContrastiveLossWithNegatives(tokens, images, images.clone()).item<float>();
        Assert.True(duplicate >= Math.Log(2) / 2 - 1e-4, $"loss {duplicate} with duplicate negatives");
    }

    [Fact]
    public void MismatchedShapesAreRejectedWithTheShapesInTheMessage()
    {
        using var scope = NewDisposeScope();
        using var model = new ContrastiveReranker(RerankerModelTests.Tiny);
        var tokens = tensor(new long[] { 1, 2 }, new long[] { 2, 1 });
        var e = Assert.Throws<ArgumentException>(() => model.ContrastiveLossWithNegatives(tokens, torch.rand(2, 3, 16, 16), torch.rand(1, 3, 16, 16)));
        Assert.Contains("(1, 3, 16, 16)", e.Message);
    }
}
