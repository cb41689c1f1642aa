using DalleOrleans.Model.Reranker;
using TorchSharp;
using static TorchSharp.torch;

namespace DalleOrleans.Model.Tests;

public class RerankerModelTests
{
    internal static readonly RerankerConfig Tiny = new()
    {
        TextVocabSize = 20, TextLength = 8, EmbedDim = 16, TextWidth = 16, TextLayers = 2, TextHeads = 2,
        ImageSize = 16, ImageWidth = 8, ImageStages = 2, ImageNormGroups = 4,
    };

    public RerankerModelTests() => TorchRuntime.Initialize();

    [Fact]
    public void EmbeddingsHaveTheSharedWidthAndUnitLength()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(1);
        using var model = new ContrastiveReranker(Tiny);
        using var _ = torch.no_grad();
        var text = model.EncodeText(torch.tensor(new long[] { 3, 4, 5, 0, 0, 0, 0, 0, 7, 8, 0, 0, 0, 0, 0, 0, 9, 1, 2, 3, 4, 5, 6, 7 }, 3, 8));
        var image = model.EncodeImage(torch.rand(5, 3, 16, 16));
        Assert.Equal(new long[] { 3, 16 }, text.shape);
        Assert.Equal(new long[] { 5, 16 }, image.shape);
        Assert.True(text.norm(1).sub(1).abs().max().item<float>() < 1e-5);
        Assert.True(image.norm(1).sub(1).abs().max().item<float>() < 1e-5);
        var logits = model.forward(torch.tensor(new long[] { 3, 4 }, 1, 2), torch.rand(5, 3, 16, 16));
        Assert.Equal(new long[] { 1, 5 }, logits.shape);
        Assert.Equal(1 / 0.07, model.LogitScale().item<float>(), 3);
    }

    [Fact]
    public void AnImagesScoreDoesNotDependOnItsBatch()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(2);
        using var model = new ContrastiveReranker(Tiny);
        var caption = torch.tensor(new long[] { 5, 6, 7, 0, 0 });              // (L)
        var images = torch.rand(6, 3, 16, 16);                                   // (N, C, H, W)
        using var _ = torch.no_grad();
        var together = model.Score(caption, images);                            // (N)
        Assert.Equal(new long[] { 6 }, together.shape);
        Assert.True(together.abs().max().item<float>() <= 1.0001f);
        for (int i = 0; i < 6; i++)
        {
            var alone = model.Score(caption.unsqueeze(0), images.narrow(0, i, 1)).item<float>();
            Assert.Equal(together[i].item<float>(), alone, 1e-5f);
        }
        // Other images, other order: same score for the same image.
        var mixed = torch.cat(new[] { torch.rand(3, 3, 16, 16), images.narrow(0, 4, 1) }, 0);
        Assert.Equal(together[4].item<float>(), model.Score(caption, mixed)[3].item<float>(), 1e-5f);
    }

    [Fact]
    public void PaddingDoesNotChangeTheTextEmbedding()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(3);
        using var model = new ContrastiveReranker(Tiny);
        using var _ = torch.no_grad();
        var shortForm = model.EncodeText(torch.tensor(new long[] { 4, 9, 2 }, 1, 3));                       // (1, E)
        var padded = model.EncodeText(torch.tensor(new long[] { 4, 9, 2, 0, 0, 0, 0, 0 }, 1, 8));          // (1, E)
        var inBatch = model.EncodeText(torch.tensor(new long[] { 1, 2, 3, 4, 5, 6, 7, 8, 4, 9, 2, 0, 0, 0, 0, 0 }, 2, 8));   // (2, E)
        Assert.True(shortForm.allclose(padded, rtol: 0, atol: 1e-5));
        Assert.True(shortForm.allclose(inBatch.narrow(0, 1, 1), rtol: 0, atol: 1e-5));
        // Content still matters: a different caption gets a different embedding.
        var other = model.EncodeText(torch.tensor(new long[] { 4, 9, 3 }, 1, 3));
        Assert.False(shortForm.allclose(other, rtol: 0, atol: 1e-3));
    }

    [Fact]
    public void IdenticalCaptionsAreBothPositives()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(4);
        using var model = new ContrastiveReranker(Tiny);
        var tokens = torch.tensor(new long[] { 3, 4, 0, 3, 4, 0, 5, 6, 7 }, 3, 3);   // rows 0 and 1 identical
        var images = torch.rand(3, 3, 16, 16);
        using var _ = torch.no_grad();
        var loss = model.ContrastiveLoss(tokens, images).item<float>();
        // Swapping the two images whose captions are the same cannot change the loss.
        var swapped = images.index_select(0, torch.tensor(new long[] { 1, 0, 2 }));
        Assert.Equal(loss, model.ContrastiveLoss(tokens, swapped).item<float>(), 1e-5f);
        Assert.True(float.IsFinite(loss) && loss > 0);
    }

    [Fact]
    public void BadInputsGetClearErrors()
    {
        using var scope = torch.NewDisposeScope();
        using var model = new ContrastiveReranker(Tiny);
        var images = torch.rand(2, 3, 16, 16);
        Assert.Contains("TextLength 8", Assert.Throws<ArgumentException>(() => model.EncodeText(torch.ones(1, 9, dtype: ScalarType.Int64))).Message);
        Assert.Contains("0..19", Assert.Throws<ArgumentException>(() => model.EncodeText(torch.full(new long[] { 1, 2 }, 20L))).Message);
        Assert.Contains("padding", Assert.Throws<ArgumentException>(() => model.Score(torch.zeros(4, dtype: ScalarType.Int64), images)).Message);
        Assert.Contains("(N, 3, 16, 16)", Assert.Throws<ArgumentException>(() => model.EncodeImage(torch.rand(2, 3, 32, 32))).Message);
        Assert.Contains("pair up", Assert.Throws<ArgumentException>(() => model.ContrastiveLoss(torch.ones(3, 2, dtype: ScalarType.Int64), images)).Message);
    }

    [Fact]
    public void ParameterNamesAreStable()
    {
        using var model = new ContrastiveReranker(Tiny);
        var state = model.state_dict();
        string[] expected =
        {
            "logit_scale",
            "text_encoder.token_embedding.weight",
            "text_encoder.position_embedding",
            "text_encoder.layers.0.ln_1.weight",
            "text_encoder.layers.0.attn.qkv.weight",
            "text_encoder.layers.1.attn.proj.bias",
            "text_encoder.layers.1.mlp_fc.weight",
            "text_encoder.layers.1.mlp_proj.weight",
            "text_encoder.ln_final.bias",
            "text_encoder.proj.weight",
            "image_encoder.stem.weight",
            "image_encoder.stem_norm.weight",
            "image_encoder.stages.0.down.weight",
            "image_encoder.stages.1.norm_2.bias",
            "image_encoder.proj.weight",
        };
        foreach (var name in expected) Assert.Contains(name, state.Keys);
        Assert.Equal(new long[] { 8, 16 }, state["text_encoder.position_embedding"].shape);
        Assert.Equal(new long[] { 16, 32 }, state["image_encoder.proj.weight"].shape);
        Assert.Empty(state["logit_scale"].shape);
        Assert.DoesNotContain("image_encoder.stem.bias", state.Keys);   // GroupNorm follows: no conv bias
    }
}
