using System.Text.Json;
using DalleOrleans.Abstractions;
using DalleOrleans.Client.Bench;
using DalleOrleans.Model.Imaging;

namespace DalleOrleans.Client.Tests;

public class CliTests(TinyModelFolder model) : IClassFixture<TinyModelFolder>
{
    static string TempDir() => Path.Combine(Path.GetTempPath(), "dalle-cli-out-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task GenerateOnAnEmbeddedSiloWritesRankedPngsGridAndResultJson()
    {
        string outDir = TempDir();
        try
        {
            var request = new GenerationRequest { Prompt = "a red circle", Candidates = 5, Top = 3, Seed = 7, GuidanceScale = 2 };
            Terminal.Current = new CapturedTerminal().Terminal;
            int code = await GenerateCommand.Run(request, outDir, cluster: null, model.Path, CancellationToken.None);
            Assert.Equal(0, code);
            for (int rank = 1; rank <= 3; rank++)
            {
                var (_, w, h) = PngCodec.DecodeRgb(await File.ReadAllBytesAsync(Path.Combine(outDir, $"{rank}.png")));
                Assert.Equal((16, 16), (w, h));
            }
            Assert.False(File.Exists(Path.Combine(outDir, "4.png")));
            Assert.True(new FileInfo(Path.Combine(outDir, "grid.png")).Length > 0);
            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(outDir, "result.json")));
            Assert.Equal("a red circle", json.RootElement.GetProperty("prompt").GetString());
            Assert.Equal(3, json.RootElement.GetProperty("images").GetArrayLength());
            Assert.Equal(64, json.RootElement.GetProperty("fingerprint").GetString()!.Length);
            Assert.False(json.RootElement.GetProperty("cacheHit").GetBoolean());
        }
        finally
        {
            if (Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true);
        }
    }

    [Theory]
    [InlineData("", 4, 2, 1.0, 0, 1.0, 1.0)]
    [InlineData("a red circle", 0, 1, 1.0, 0, 1.0, 1.0)]
    [InlineData("a red circle", 4, 5, 1.0, 0, 1.0, 1.0)]
    [InlineData("a red circle", 4, 2, -1.0, 0, 1.0, 1.0)]
    [InlineData("a red circle", 4, 2, 1.0, -3, 1.0, 1.0)]
    [InlineData("a red circle", 4, 2, 1.0, 0, 1.5, 1.0)]
    [InlineData("a red circle", 4, 2, 1.0, 0, 1.0, 50.0)]
    public async Task InvalidOptionsExitWithCodeTwoBeforeAnySiloStarts(string prompt, int candidates, int top, double temperature, int topK, double topP, double guidance)
    {
        var request = new GenerationRequest
        {
            Prompt = prompt, Candidates = candidates, Top = top, Temperature = temperature, TopK = topK, TopP = topP, GuidanceScale = guidance,
        };
        var run = new CapturedTerminal();
        Terminal.Current = run.Terminal;
        Assert.Equal(2, await GenerateCommand.Run(request, TempDir(), cluster: null, "/nonexistent-model", CancellationToken.None));
        Assert.DoesNotContain("--model", Assert.Single(run.ErrorLines));      // refused on the option, before the model folder is looked at
    }

    [Fact]
    public async Task AMissingModelFolderIsAClearUsageError()
    {
        var request = new GenerationRequest { Prompt = "a red circle" };
        var run = new CapturedTerminal();
        Terminal.Current = run.Terminal;
        Assert.Equal(2, await GenerateCommand.Run(request, TempDir(), cluster: null, "/nonexistent-model", CancellationToken.None));
        Assert.Equal("error: --model: the model folder '/nonexistent-model' does not exist.", Assert.Single(run.ErrorLines));
    }

    [Fact]
    public async Task TheInProcessBaselineAndTheLoadRunnerMeasureABoundedLoad()
    {
        await using var engine = await InProcessEngine.StartAsync(model.Path, maxBatchRows: 8);
        var plan = new LoadPlan(Concurrency: 3, Requests: 9, Duration: null, UniquePrompts: 3, Candidates: 2, Top: 1);
        var report = await LoadRunner.RunAsync("in-process", plan, engine.GenerateAsync);
        Assert.Equal(9, report.Requests);
        Assert.Equal(0, report.Errors);
        Assert.True(report.RequestsPerSecond > 0 && report.P99Ms >= report.P50Ms);
        Assert.InRange(report.CacheHitRate, 0.01, 0.7);            // 3 distinct requests among 9: later repeats hit
    }

    [Theory]
    [InlineData(0, 10, 1, 1, "concurrency")]
    [InlineData(1, 0, 1, 1, "requests")]
    [InlineData(1, 10, 0, 1, "unique-prompts")]
    [InlineData(1, 10, 1, 65, "candidates")]
    public void BadLoadPlansNameTheOption(int concurrency, int requests, int unique, int candidates, string field)
    {
        var e = Assert.Throws<ArgumentException>(() => new LoadPlan(concurrency, requests, null, unique, candidates, 1).Validate());
        Assert.StartsWith(field, e.Message);
    }
}
