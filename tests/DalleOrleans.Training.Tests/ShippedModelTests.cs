using DalleOrleans.Model;
using DalleOrleans.Model.Generation;
using DalleOrleans.Model.Imaging;
using DalleOrleans.Shapes;
using Xunit;
using Generator = DalleOrleans.Model.Generation.Generator;

namespace DalleOrleans.Training.Tests;

/// <summary>
/// The checkpoint in models/shapes-v1 is what every command serves by default: it must load strictly, stay
/// within the size the repository and the GPU machine's working-tree limit allow, and follow a caption.
/// </summary>
public sealed class ShippedModelTests
{
    const string Prompt = "a large red circle on a white background";

    static string ShippedFolder()
    {
        // The test binaries sit under the checkout (bin/) or, with --artifacts-path, elsewhere: then the root recorded at build time.
        var recorded = typeof(ShippedModelTests).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "RepositoryRoot")?.Value;
        var candidates = new List<string>();
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent) candidates.Add(dir.FullName);
        if (recorded is not null) candidates.Add(recorded);
        string root = candidates.FirstOrDefault(c => File.Exists(Path.Combine(c, "DalleOrleans.sln")))
            ?? throw new InvalidOperationException($"no DalleOrleans.sln above {AppContext.BaseDirectory} or at {recorded}: cannot find models/shapes-v1");
        string folder = Path.Combine(root, "models", "shapes-v1");
        Assert.True(Directory.Exists(folder), $"the shipped model folder {folder} is missing");
        return folder;
    }

    [Fact]
    public void Shipped_model_is_complete_and_small_enough_for_git()
    {
        string folder = ShippedFolder();
        foreach (var file in new[] { "config.json", "vocab.json", "dvae.safetensors", "transformer.safetensors", "reranker.safetensors", "TRAINING.md", "EVALUATION.md" })
            Assert.True(File.Exists(Path.Combine(folder, file)), $"models/shapes-v1/{file} is missing");
        long bytes = Directory.EnumerateFiles(folder).Sum(f => new FileInfo(f).Length);
        Assert.True(bytes <= 25L * 1000 * 1000, $"models/shapes-v1 is {bytes} bytes; the limit is 25 MB");

        using var model = ModelBundle.Load(folder);
        Assert.Equal("shapes-v1", model.ModelId);
    }

    [Fact]
    public void Shipped_model_draws_the_caption_a_large_red_circle_on_white()
    {
        using var model = ModelBundle.Load(ShippedFolder());
        using var generator = new Generator(model);
        var result = generator.Generate(new ImageRequest(Prompt, Candidates: 8, Top: 1, Seed: 1));

        var (rgb, width, height) = PngCodec.DecodeRgb(result.Images[0].Png);
        var judged = AttributeJudge.Judge(rgb, width, height);
        var agreement = AttributeJudge.Compare(judged, CaptionParser.Parse(Prompt));
        Assert.True(agreement.All, $"the judge read the top-ranked image as {judged}; the caption asks for a large red circle on white");
    }
}
