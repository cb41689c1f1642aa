using System.CommandLine;
using DalleOrleans.Abstractions;
using Spectre.Console;

namespace DalleOrleans.Client;

/// <summary>
/// `dalle generate "&lt;prompt&gt;"`: asks the cluster (or an embedded silo) for images and writes DIR/1.png … DIR/K.png in
/// rank order, DIR/grid.png and DIR/result.json (<see cref="GenerateOutput"/>). Without --seed a fresh random seed is
/// drawn, printed and stored in result.json, so asking again gives new images and any result can be reproduced.
/// </summary>
public static class GenerateCommand
{
    /// <summary>Fresh seeds stay below 2^32: short enough to read back and type, far inside the valid range (2^53).</summary>
    public static long FreshSeed() => Random.Shared.NextInt64(0, 1L << 32);

    public static Command Create()
    {
        var prompt = new Argument<string>("prompt") { Description = "What to draw, e.g. \"a large red circle on a white background\"." };
        var candidates = new Option<int>("--candidates") { Description = "Candidates to draw (1..64).", DefaultValueFactory = _ => 8 };
        var top = new Option<int>("--top") { Description = "Best-ranked images to keep (1..candidates).", DefaultValueFactory = _ => 4 };
        var seed = new Option<long?>("--seed") { Description = "Seed (0..2^53-1); the same seed gives the same images. Default: a fresh random seed, printed and stored in result.json." };
        var temperature = new Option<double>("--temperature") { Description = "Sampling temperature (0, 100].", DefaultValueFactory = _ => 1.0 };
        var topK = new Option<int>("--top-k") { Description = "Keep only the k most likely tokens (0 = off).", DefaultValueFactory = _ => 0 };
        var topP = new Option<double>("--top-p") { Description = "Nucleus sampling mass (0, 1] (1 = off).", DefaultValueFactory = _ => 1.0 };
        var guidance = new Option<double>("--guidance") { Description = "Classifier-free guidance scale [0, 20] (1 = off).", DefaultValueFactory = _ => GenerationRequest.DefaultGuidanceScale };
        var outDir = new Option<string>("--out") { Description = "Output folder. Earlier N.png files there are removed, other files are left alone.", DefaultValueFactory = _ => "out" };
        var json = new Option<bool>("--json") { Description = "Print the result document (result.json) on stdout, and nothing else there." };
        var cluster = new Option<string?>("--cluster") { Description = "Redis connection string of a running cluster; without it an embedded silo runs in this process." };
        var connectTimeout = new Option<double>("--connect-timeout") { Description = "Seconds to reach --cluster and find a device (1..600); then exit code 4.", DefaultValueFactory = _ => ClusterConnection.DefaultConnectTimeout.TotalSeconds };
        var model = new Option<string>("--model") { Description = "Model folder for the embedded silo.", DefaultValueFactory = _ => "models/shapes-v2" };

        var command = new Command("generate", $"Generate images for a prompt. {ExitCodes.Help}")
        {
            prompt, candidates, top, seed, temperature, topK, topP, guidance, outDir, json, cluster, connectTimeout, model,
        };
        command.SetAction(async (parse, ct) =>
        {
            double timeout = parse.GetValue(connectTimeout);
            if (timeout is < 1 or > 600 || double.IsNaN(timeout))
            {
                Terminal.Current.Fail($"connect-timeout is {timeout}; it must be between 1 and 600 seconds.", "--connect-timeout");
                return ExitCodes.Usage;
            }
            var request = new GenerationRequest
            {
                Prompt = parse.GetValue(prompt)!, Candidates = parse.GetValue(candidates), Top = parse.GetValue(top),
                Seed = parse.GetValue(seed) ?? FreshSeed(), Temperature = parse.GetValue(temperature), TopK = parse.GetValue(topK),
                TopP = parse.GetValue(topP), GuidanceScale = parse.GetValue(guidance),
            };
            return await Run(request, parse.GetValue(outDir)!, parse.GetValue(cluster), parse.GetValue(model)!, ct,
                json: parse.GetValue(json), connectTimeout: TimeSpan.FromSeconds(timeout));
        });
        return command;
    }

    /// <summary>Maps a validation error's field to the option a user typed.</summary>
    public static string OptionFor(string message) => message.Split(' ', 2)[0] switch
    {
        "guidance" => "--guidance", "temperature" => "--temperature", "top-k" => "--top-k", "top-p" => "--top-p",
        "candidates" => "--candidates", "top" => "--top", "seed" => "--seed", "prompt" => "prompt", _ => "input",
    };

    /// <summary>Runs one generation; returns an <see cref="ExitCodes"/> value. Messages go to <see cref="Terminal.Current"/>.</summary>
    public static async Task<int> Run(GenerationRequest request, string outDir, string? cluster, string modelPath, CancellationToken cancellation,
        bool json = false, TimeSpan? connectTimeout = null)
    {
        var terminal = Terminal.Current;
        try
        {
            // Validate what needs no model first, so a typo never waits for a silo to start.
            DalleOrleans.Grains.RequestFingerprint.ToImageRequest(request).Validate(imageVocabSize: int.MaxValue);
            DalleOrleans.Model.Text.PromptText.Validate(request.Prompt, "prompt");    // control characters, lone surrogates
        }
        catch (ArgumentException e)
        {
            terminal.Fail(e.Message, OptionFor(e.Message));
            return ExitCodes.Usage;
        }

        ClusterConnection connection;
        try
        {
            connection = await ClusterConnection.OpenAsync(cluster, modelPath, cancellation: cancellation, connectTimeout: connectTimeout);
        }
        catch (ArgumentException e)
        {
            terminal.Fail(e.Message);
            return ExitCodes.Usage;
        }
        catch (ClusterUnreachableException e)
        {
            terminal.Fail(e.Message);
            return ExitCodes.Unreachable;
        }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException or DirectoryNotFoundException)
        {
            terminal.Fail($"the model folder '{modelPath}' cannot be loaded: {e.Message}", "--model");
            return ExitCodes.Usage;
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            terminal.Fail("cancelled before the cluster answered.");
            return ExitCodes.Cancelled;
        }
        catch (TimeoutException e)
        {
            terminal.Fail($"the embedded silo did not start: {e.Message}");
            return ExitCodes.Failed;
        }

        await using (connection)
        {
            GenerationResult result;
            try
            {
                result = await WithProgress(terminal, request, p => connection.Client.GenerateAsync(request, p, cancellation));
            }
            catch (ArgumentException e)
            {
                terminal.Fail(e.Message, OptionFor(e.Message));
                return ExitCodes.Usage;
            }
            catch (DalleOrleans.Grains.DeviceOverloadedException e)
            {
                terminal.Fail($"overloaded, retry later: {e.Message}");
                return ExitCodes.Overloaded;
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                terminal.Fail("cancelled: the generation was stopped and its device slots freed.");
                return ExitCodes.Cancelled;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A device error, a lost cluster, a timeout: one line, no stack trace.
                terminal.Fail($"the generation failed: {e.Message}");
                return ExitCodes.Failed;
            }

            string document = GenerateOutput.Write(result, request, outDir);
            string summary = $"✓ {result.Images.Count} image(s) in {outDir}, seed {request.Seed} " +
                             $"({(result.CacheHit ? "cache hit" : $"{result.Timings.TotalMs:F0} ms")}, model {result.ModelId}, {(connection.Embedded ? "embedded silo" : "cluster")})";
            if (json)
            {
                terminal.Out.WriteLine(document);
                terminal.Note(summary);
            }
            else terminal.Out.WriteLine(summary);
            return ExitCodes.Ok;
        }
    }

    /// <summary>A live progress bar on stderr from the grain's progress stream (plain lines when stderr is not a terminal).</summary>
    static async Task<GenerationResult> WithProgress(Terminal terminal, GenerationRequest request, Func<IProgress<GenerationProgress>, Task<GenerationResult>> run)
    {
        if (!terminal.Interactive)
        {
            int lastPercent = -1;
            return await run(new Progress<GenerationProgress>(p =>
            {
                int percent = p.TokensTotal > 0 ? 100 * p.TokensDone / p.TokensTotal : 0;
                if (percent / 25 != lastPercent / 25) terminal.Note($"{p.Stage}: {p.TokensDone}/{p.TokensTotal} image tokens");
                lastPercent = percent;
            }));
        }
        GenerationResult? result = null;
        await terminal.LiveConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
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
}
