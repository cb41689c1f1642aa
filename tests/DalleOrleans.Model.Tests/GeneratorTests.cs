using DalleOrleans.Model.Generation;
using DalleOrleans.Model.Imaging;
using DalleOrleans.Model.Sampling;
using DalleOrleans.Model.Text;

namespace DalleOrleans.Model.Tests;

public class GeneratorTests
{
    [Fact]
    public void APromptBecomesKRankedPngsOfTheModelsSize()
    {
        using var model = TinyModel.Create();
        using var generator = new Generator(model, maxBatchRows: 4);      // fewer rows than candidates: streams wait their turn
        var progress = new List<TokenProgress>();
        var result = generator.Generate(new ImageRequest("a red circle", Candidates: 6, Top: 3, Seed: 5), progress.Add);

        Assert.Equal(3, result.Images.Count);
        Assert.Equal(new[] { 1, 2, 3 }, result.Images.Select(i => i.Rank));
        Assert.True(result.Images.Zip(result.Images.Skip(1)).All(p => p.First.Score >= p.Second.Score), $"images must be in score order: {string.Join(", ", result.Images.Select(i => i.Score))}");
        Assert.Equal(3, result.Images.Select(i => i.Candidate).Distinct().Count());
        foreach (var image in result.Images)
        {
            var (rgb, w, h) = PngCodec.DecodeRgb(image.Png);
            Assert.Equal((16, 16), (w, h));
            Assert.Equal(16 * 16 * 3, rgb.Length);
        }
        Assert.Equal("tiny-test", result.ModelId);
        Assert.Equal(6 * 16, progress[^1].TokensDone);
        Assert.Equal(6, progress[^1].CandidatesDone);
        Assert.True(result.Timings.TokensMs > 0);
    }

    [Fact]
    public void SameRequestAndSeedGiveIdenticalBytesWhateverTheBatchSize()
    {
        using var model = TinyModel.Create();
        var request = new ImageRequest("small green square at the bottom", Candidates: 5, Top: 2, Seed: 77,
            new SamplingOptions(Temperature: 0.9, TopK: 12, TopP: 0.95, GuidanceScale: 2));
        using var wide = new Generator(model, maxBatchRows: 32);
        using var narrow = new Generator(model, maxBatchRows: 2);
        var a = wide.Generate(request);
        var b = narrow.Generate(request);
        Assert.Equal(a.Images.Select(i => i.Candidate), b.Images.Select(i => i.Candidate));
        Assert.Equal(a.Images.Select(i => Convert.ToBase64String(i.Png)), b.Images.Select(i => Convert.ToBase64String(i.Png)));
    }

    [Theory]
    [InlineData("", 4, 2, 0L, "prompt")]
    [InlineData("   ", 4, 2, 0L, "prompt")]
    [InlineData("a red circle", 0, 1, 0L, "candidates")]
    [InlineData("a red circle", 65, 1, 0L, "candidates")]
    [InlineData("a red circle", 4, 5, 0L, "top")]
    [InlineData("a red circle", 4, 0, 0L, "top")]
    [InlineData("a red circle", 4, 2, -1L, "seed")]
    public void BadRequestsNameTheField(string prompt, int candidates, int top, long seed, string field)
    {
        using var model = TinyModel.Create();
        using var generator = new Generator(model);
        var e = Assert.Throws<ArgumentException>(() => generator.Generate(new ImageRequest(prompt, candidates, top, seed)));
        Assert.StartsWith(field, e.Message);
    }

    [Fact]
    public void OverLongPromptsAreRefusedWithTheLimit()
    {
        using var model = TinyModel.Create();
        using var generator = new Generator(model);
        var prompt = string.Join(" ", Enumerable.Repeat("red circle", 20));
        var e = Assert.Throws<PromptTooLongException>(() => generator.Generate(new ImageRequest(prompt)));
        Assert.Contains("16", e.Message);
    }

    [Fact]
    public void CancellationStopsTheRequestAndLeavesTheGeneratorUsable()
    {
        using var model = TinyModel.Create();
        using var generator = new Generator(model, maxBatchRows: 4);
        using var cts = new CancellationTokenSource();
        Assert.Throws<OperationCanceledException>(() => generator.Generate(new ImageRequest("a yellow triangle", 8, 2),
            p => { if (p.TokensDone > 10) cts.Cancel(); }, cts.Token));
        var after = generator.Generate(new ImageRequest("a yellow triangle", 2, 1));
        Assert.Single(after.Images);
    }

    [Fact]
    public void SavedBundleLoadsBackStrictlyAndGeneratesTheSameImages()
    {
        string folder = Path.Combine(Path.GetTempPath(), "dalle-bundle-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var model = TinyModel.Create(seed: 3);
            model.Save(folder, fp16: false);
            using var loaded = ModelBundle.Load(folder);
            var request = new ImageRequest("blue circle on black", 3, 2, Seed: 8);
            using var g1 = new Generator(model);
            using var g2 = new Generator(loaded);
            Assert.Equal(g1.Generate(request).Images.Select(i => Convert.ToBase64String(i.Png)),
                         g2.Generate(request).Images.Select(i => Convert.ToBase64String(i.Png)));

            File.WriteAllText(Path.Combine(folder, ModelBundle.ConfigFile), "{ \"format\": \"dalle-orleans-model-v1\", \"bogus\": 1 }");
            var e = Assert.Throws<InvalidDataException>(() => ModelBundle.Load(folder));
            Assert.Contains("config.json", e.Message);
            Assert.Throws<DirectoryNotFoundException>(() => ModelBundle.Load(folder + "-missing"));
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }
}
