using System.CommandLine;
using System.Text.Json;
using DalleOrleans.Abstractions;
using DalleOrleans.Model.Imaging;
using Spectre.Console;

namespace DalleOrleans.Client;

/// <summary>
/// `dalle generate "&lt;prompt&gt;"`: asks the cluster (or an embedded silo) for images and writes
/// DIR/1.png … DIR/K.png in rank order, DIR/grid.png and DIR/result.json.
/// </summary>
public static class GenerateCommand
{
    public static Command Create()
    {
        var prompt = new Argument<string>("prompt") { Description = "What to draw, e.g. \"a large red circle on a white background\"." };
        var candidates = new Option<int>("--candidates") { Description = "Candidates to draw (1..64).", DefaultValueFactory = _ => 8 };
        var top = new Option<int>("--top") { Description = "Best-ranked images to keep (1..candidates).", DefaultValueFactory = _ => 4 };
        var seed = new Option<long>("--seed") { Description = "Seed (0..2^53-1): the same seed gives the same images.", DefaultValueFactory = _ => 0 };
        var temperature = new Option<double>("--temperature") { Description = "Sampling temperature (0, 100].", DefaultValueFactory = _ => 1.0 };
        var topK = new Option<int>("--top-k") { Description = "Keep only the k most likely tokens (0 = off).", DefaultValueFactory = _ => 0 };
        var topP = new Option<double>("--top-p") { Description = "Nucleus sampling mass (0, 1] (1 = off).", DefaultValueFactory = _ => 1.0 };
        var guidance = new Option<double>("--guidance") { Description = "Classifier-free guidance scale [0, 20] (1 = off).", DefaultValueFactory = _ => 1.0 };
        var outDir = new Option<string>("--out") { Description = "Output folder.", DefaultValueFactory = _ => "out" };
        var cluster = new Option<string?>("--cluster") { Description = "Redis connection string of a running cluster; without it an embedded silo runs in this process." };
        var model = new Option<string>("--model") { Description = "Model folder for the embedded silo.", DefaultValueFactory = _ => "models/shapes-v1" };

        var command = new Command("generate", "Generate images for a prompt.")
        {
            prompt, candidates, top, seed, temperature, topK, topP, guidance, outDir, cluster, model,
        };
        command.SetAction(async (parse, ct) =>
        {
            var request = new GenerationRequest
            {
                Prompt = parse.GetValue(prompt)!, Candidates = parse.GetValue(candidates), Top = parse.GetValue(top),
                Seed = parse.GetValue(seed), Temperature = parse.GetValue(temperature), TopK = parse.GetValue(topK),
                TopP = parse.GetValue(topP), GuidanceScale = parse.GetValue(guidance),
            };
            return await Run(request, parse.GetValue(outDir)!, parse.GetValue(cluster), parse.GetValue(model)!, ct);
        });
        return command;
    }

    /// <summary>Maps a validation error's field to the option a user typed.</summary>
    public static string OptionFor(string message) => message.Split(' ', 2)[0] switch
    {
        "guidance" => "--guidance", "temperature" => "--temperature", "top-k" => "--top-k", "top-p" => "--top-p",
        "candidates" => "--candidates", "top" => "--top", "seed" => "--seed", "prompt" => "prompt", _ => "input",
    };

    public static async Task<int> Run(GenerationRequest request, string outDir, string? cluster, string modelPath, CancellationToken cancellation)
    {
        try
        {
            // Validate what needs no model first, so a typo never waits for a silo to start.
            DalleOrleans.Grains.RequestFingerprint.ToImageRequest(request).Validate(imageVocabSize: int.MaxValue);
            DalleOrleans.Model.Text.PromptText.Validate(request.Prompt, "prompt");    // control characters, lone surrogates
        }
        catch (ArgumentException e)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error[/] ({OptionFor(e.Message)}): {e.Message}");
            return 2;
        }

        ClusterConnection connection;
        try
        {
            connection = await ClusterConnection.OpenAsync(cluster, modelPath, cancellation: cancellation);
        }
        catch (ArgumentException e)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error[/]: {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is TimeoutException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException
                                       or StackExchange.Redis.RedisConnectionException)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error[/]: could not reach a cluster: {e.Message}");
            return 1;
        }

        await using (connection)
        {
            GenerationResult result;
            try
            {
                result = await WithProgress(request, p => connection.Client.GenerateAsync(request, p, cancellation));
            }
            catch (ArgumentException e)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]error[/] ({OptionFor(e.Message)}): {e.Message}");
                return 2;
            }
            catch (DalleOrleans.Grains.DeviceOverloadedException e)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]error[/]: overloaded, retry later: {e.Message}");
                return 3;
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                AnsiConsole.MarkupLine("[yellow]cancelled[/]: the generation was stopped and its device slots freed.");
                return 130;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A device error, a lost cluster, a timeout: one line, no stack trace.
                AnsiConsole.MarkupLineInterpolated($"[red]error[/]: the generation failed: {e.Message}");
                return 1;
            }
            Write(result, request, outDir);
            AnsiConsole.MarkupLineInterpolated(
                $"[green]✓[/] {result.Images.Count} image(s) in {outDir} ({(result.CacheHit ? "cache hit" : $"{result.Timings.TotalMs:F0} ms")}, model {result.ModelId}, {(connection.Embedded ? "embedded silo" : "cluster")})");
            return 0;
        }
    }

    /// <summary>A live progress bar from the grain's progress stream (plain lines when the console is redirected).</summary>
    static async Task<GenerationResult> WithProgress(GenerationRequest request, Func<IProgress<GenerationProgress>, Task<GenerationResult>> run)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            int lastPercent = -1;
            return await run(new Progress<GenerationProgress>(p =>
            {
                int percent = p.TokensTotal > 0 ? 100 * p.TokensDone / p.TokensTotal : 0;
                if (percent / 25 != lastPercent / 25) Console.Error.WriteLine($"{p.Stage}: {p.TokensDone}/{p.TokensTotal} image tokens");
                lastPercent = percent;
            }));
        }
        GenerationResult? result = null;
        await AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async ctx =>
            {
                var bar = ctx.AddTask($"{request.Candidates} candidates", maxValue: 1);
                result = await run(new Progress<GenerationProgress>(p =>
                {
                    if (p.TokensTotal > 0) { bar.MaxValue = p.TokensTotal; bar.Value = p.TokensDone; }
                    bar.Description = p.Stage.ToString().ToLowerInvariant();
                }));
                bar.Value = bar.MaxValue;
            });
        return result!;
    }

    static void Write(GenerationResult result, GenerationRequest request, string outDir)
    {
        Directory.CreateDirectory(outDir);
        foreach (var image in result.Images) File.WriteAllBytes(Path.Combine(outDir, $"{image.Rank}.png"), image.Png);
        File.WriteAllBytes(Path.Combine(outDir, "grid.png"), PngCodec.Grid(result.Images.Select(i => i.Png).ToList()));
        var json = new
        {
            prompt = request.Prompt,
            options = new { request.Candidates, request.Top, request.Seed, request.Temperature, request.TopK, request.TopP, guidance = request.GuidanceScale },
            fingerprint = result.Fingerprint, modelId = result.ModelId, cacheHit = result.CacheHit,
            images = result.Images.Select(i => new { file = $"{i.Rank}.png", i.Rank, i.Candidate, i.Score }),
            timings = result.Timings, devices = result.Devices,
        };
        File.WriteAllText(Path.Combine(outDir, "result.json"),
            JsonSerializer.Serialize(json, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }));
    }
}
