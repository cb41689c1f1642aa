using DalleOrleans.Model.Dvae;
using TorchSharp;
using static TorchSharp.torch;

namespace DalleOrleans.Model.Tests;

public class DvaeModelTests
{
    internal static readonly DvaeConfig Tiny = new()
    {
        ImageSize = 16, Channels = 3, CodebookSize = 16, HiddenWidth = 8, BlocksPerGroup = 1, Groups = 3, DecoderInputWidth = 16,
    };

    public DvaeModelTests() => TorchRuntime.Initialize();

    [Fact]
    public void EncodeGivesAnInt64GridOfCodebookIndices()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(1);
        using var vae = new DiscreteVae(Tiny);
        var images = torch.rand(2, 3, 16, 16);                       // (B, C, H, W)
        using var _ = torch.no_grad();
        var logits = vae.Logits(images);
        Assert.Equal(new long[] { 2, 16, 4, 4 }, logits.shape);
        var tokens = vae.Encode(images);
        Assert.Equal(new long[] { 2, 4, 4 }, tokens.shape);
        Assert.Equal(ScalarType.Int64, tokens.dtype);
        Assert.True(tokens.min().item<long>() >= 0);
        Assert.True(tokens.max().item<long>() < Tiny.CodebookSize);
    }

    [Fact]
    public void DecodeGivesImagesInTheUnitInterval()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(2);
        using var vae = new DiscreteVae(Tiny);
        var tokens = torch.randint(0, Tiny.CodebookSize, new long[] { 3, 4, 4 });   // (B, h, w)
        using var _ = torch.no_grad();
        var images = vae.Decode(tokens);
        Assert.Equal(new long[] { 3, 3, 16, 16 }, images.shape);
        Assert.Equal(ScalarType.Float32, images.dtype);
        Assert.True(images.min().item<float>() >= 0f);
        Assert.True(images.max().item<float>() <= 1f);
        Assert.Equal(images.shape, vae.forward(torch.rand(3, 3, 16, 16)).shape);
    }

    [Fact]
    public void DecodingTokensEqualsDecodingTheirOneHotCodes()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(4);
        using var vae = new DiscreteVae(Tiny);
        var tokens = torch.randint(0, Tiny.CodebookSize, new long[] { 2, 4, 4 });                     // (B, h, w)
        var oneHot = nn.functional.one_hot(tokens, Tiny.CodebookSize).permute(0, 3, 1, 2).to(ScalarType.Float32);   // (B, K, h, w)
        using var _ = torch.no_grad();
        Assert.True(vae.Decode(tokens).allclose(vae.DecodeDistribution(oneHot), rtol: 0, atol: 1e-5));
    }

    [Fact]
    public void DecodingATokenGridDoesNotDependOnTheRestOfTheBatch()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(3);
        using var vae = new DiscreteVae(Tiny);
        var tokens = torch.randint(0, Tiny.CodebookSize, new long[] { 4, 4, 4 });   // (B, h, w)
        using var _ = torch.no_grad();
        var together = vae.Decode(tokens);                                          // (4, 3, 16, 16)
        var alone = vae.Decode(tokens.narrow(0, 2, 1));                             // (1, 3, 16, 16)
        Assert.True(together.narrow(0, 2, 1).allclose(alone, rtol: 0, atol: 1e-5));
    }

    [Fact]
    public void BadInputsGetClearErrors()
    {
        using var scope = torch.NewDisposeScope();
        using var vae = new DiscreteVae(Tiny);
        var e1 = Assert.Throws<ArgumentException>(() => vae.Encode(torch.rand(1, 3, 32, 32)));
        Assert.Contains("(B, 3, 16, 16)", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => vae.Decode(torch.full(new long[] { 1, 4, 4 }, 16L)));
        Assert.Contains("0..15", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => vae.Decode(torch.zeros(1, 4, 4)));
        Assert.Contains("int64", e3.Message);
    }

    [Fact]
    public void ParameterNamesAreStable()
    {
        using var vae = new DiscreteVae(Tiny with { BlocksPerGroup = 2 });
        var names = vae.state_dict().Keys.ToHashSet();
        string[] expected =
        {
            "encoder.blocks.input.weight",
            "encoder.blocks.input.bias",
            "encoder.blocks.group_1.block_1.res_path.conv_1.weight",
            "encoder.blocks.group_1.block_2.res_path.conv_4.bias",
            "encoder.blocks.group_2.block_1.id_path.weight",
            "encoder.blocks.group_3.block_1.res_path.conv_3.weight",
            "encoder.blocks.output.conv.weight",
            "decoder.blocks.input.weight",
            "decoder.blocks.group_1.block_1.id_path.weight",
            "decoder.blocks.group_1.block_2.res_path.conv_4.weight",
            "decoder.blocks.group_3.block_1.res_path.conv_1.bias",
            "decoder.blocks.output.conv.weight",
        };
        foreach (var name in expected) Assert.Contains(name, names);
        // Identity skips carry no weights: group 1's first encoder block keeps its width.
        Assert.DoesNotContain("encoder.blocks.group_1.block_1.id_path.weight", names);
        Assert.All(names, n => Assert.True(n.StartsWith("encoder.blocks.") || n.StartsWith("decoder.blocks."), n));
        Assert.Equal(new long[] { 16, 32, 1, 1 }, vae.state_dict()["encoder.blocks.output.conv.weight"].shape);
        Assert.Equal(new long[] { 6, 8, 1, 1 }, vae.state_dict()["decoder.blocks.output.conv.weight"].shape);
    }
}
