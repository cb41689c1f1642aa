using System.Text.Json;

namespace DalleOrleans.Client.Tests;

/// <summary>
/// `dalle generate` as a user runs it twice: a fresh seed each time unless --seed is given, the seed reported in
/// result.json and printed, the reported seed reproducing the same bytes, --json printing only the document on stdout,
/// and a second run into the same folder leaving only its own ranked images (the user's other files untouched).
/// </summary>
public class GenerateOutputTests(TinyModelFolder model) : IClassFixture<TinyModelFolder>
{
    [Fact]
    public async Task AFreshSeedEachRunTheReportedSeedReproducesTheImagesAndOnlyTheLastRunsFilesRemain()
    {
        string outDir = Path.Combine(Path.GetTempPath(), "dalle-cli-out-" + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(outDir);
            await File.WriteAllTextAsync(Path.Combine(outDir, "notes.txt"), "mine");

            // Run 1: no --seed, --json: stdout is exactly the result document.
            var first = new CapturedTerminal();
            Assert.Equal(0, await first.InvokeAsync("generate", "a red circle", "--model", model.Path, "--out", outDir,
                "--candidates", "3", "--top", "3", "--json"));
            using var document = JsonDocument.Parse(first.Out.ToString());     // throws if anything else is on stdout
            long seed = document.RootElement.GetProperty("seed").GetInt64();
            Assert.Equal(seed, document.RootElement.GetProperty("options").GetProperty("seed").GetInt64());
            Assert.InRange(seed, 0, (1L << 53) - 1);
            // The options nobody typed: plain sampling with the service's guidance 2 (what the evaluation measured).
            var options = document.RootElement.GetProperty("options");
            Assert.Equal((1.0, 0, 1.0, 2.0), (options.GetProperty("temperature").GetDouble(), options.GetProperty("topK").GetInt32(),
                options.GetProperty("topP").GetDouble(), options.GetProperty("guidance").GetDouble()));
            Assert.Contains($"seed {seed}", first.Error.ToString());                   // printed for the person too
            Assert.Equal(first.Out.ToString().Trim(), (await File.ReadAllTextAsync(Path.Combine(outDir, "result.json"))).Trim());
            byte[] best = await File.ReadAllBytesAsync(Path.Combine(outDir, "1.png"));
            Assert.True(File.Exists(Path.Combine(outDir, "3.png")));

            // Run 2: the reported seed given back, fewer images kept: the same best image, and 2.png/3.png are gone.
            var second = new CapturedTerminal();
            Assert.Equal(0, await second.InvokeAsync("generate", "a red circle", "--model", model.Path, "--out", outDir,
                "--candidates", "3", "--top", "1", "--seed", seed.ToString()));
            Assert.Equal(best, await File.ReadAllBytesAsync(Path.Combine(outDir, "1.png")));
            Assert.Contains($"seed {seed}", second.Out.ToString());
            Assert.Equal(new[] { "1.png", "grid.png", "notes.txt", "result.json" },
                Directory.GetFiles(outDir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            Assert.Equal("mine", await File.ReadAllTextAsync(Path.Combine(outDir, "notes.txt")));

            // Run 3: no --seed again: a new seed is drawn (1 chance in 2^32 of the same one).
            var third = new CapturedTerminal();
            Assert.Equal(0, await third.InvokeAsync("generate", "a red circle", "--model", model.Path, "--out", outDir,
                "--candidates", "3", "--top", "1", "--json"));
            using var again = JsonDocument.Parse(third.Out.ToString());
            Assert.NotEqual(seed, again.RootElement.GetProperty("seed").GetInt64());
        }
        finally
        {
            if (Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true);
        }
    }

    [Fact]
    public async Task AFailedRunLeavesTheFolderAsItWas()
    {
        string outDir = Path.Combine(Path.GetTempPath(), "dalle-cli-out-" + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(outDir);
            await File.WriteAllTextAsync(Path.Combine(outDir, "3.png"), "an earlier run's image");
            var run = new CapturedTerminal();
            // The tiny model's image vocabulary is 16: top-k 17 is refused by the served model, after the silo started.
            Assert.Equal(ExitCodes.Usage, await run.InvokeAsync("generate", "a red circle", "--model", model.Path, "--out", outDir,
                "--candidates", "2", "--top", "1", "--top-k", "17"));
            Assert.Equal("an earlier run's image", await File.ReadAllTextAsync(Path.Combine(outDir, "3.png")));
            Assert.Equal("", run.Out.ToString());
            Assert.StartsWith("error (--top-k):", Assert.Single(run.ErrorLines));
        }
        finally
        {
            if (Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true);
        }
    }
}
