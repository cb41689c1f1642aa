using System.Diagnostics;
using System.Globalization;
using DalleOrleans.Model;
using DalleOrleans.Model.Checkpoints;
using DalleOrleans.Model.Dvae;
using DalleOrleans.Model.Generation;
using DalleOrleans.Model.Text;
using DalleOrleans.Shapes;
using DalleOrleans.Training.Cli;
using DalleOrleans.Training.Data;
using DalleOrleans.Training.Setup;
using DalleOrleans.Training.Training;
using static TorchSharp.torch;
using Generator = DalleOrleans.Model.Generation.Generator;

namespace DalleOrleans.Training.Bench;

/// <summary>
/// `dalle-train bench`: times the real training step of each stage (same trainers, same data pipeline) at a
/// candidate size and projects each stage's wall time for its shipped number of steps. This is how the
/// shipped sizes were chosen (README.md of this project lists the measurements).
/// </summary>
public static class BenchCommand
{
    public static int Run(BenchOptions options, TextWriter output, TextWriter error)
    {
        ModelConfig config;
        TextTokenizer tokenizer;
        try
        {
            options.Validate();
            TorchThreads.Initialize(options.Threads);
            var baseConfig = options.BaseConfig();
            tokenizer = TextTokenizer.Build(RunSetup.VocabularyCaptions(0, 5_000), baseConfig.Transformer.TextLength);
            config = ConfigFile.WithText(baseConfig, tokenizer.VocabSize, baseConfig.Transformer.TextLength);
            config.Validate();
        }
        catch (ArgumentException e)
        {
            return ExitCodes.UsageError(error, OptionErrors.AsOption(e));
        }

        string temp = Path.Combine(Path.GetTempPath(), $"dalle-bench-{Guid.NewGuid():N}");
        var run = new RunFolder(temp);
        Directory.CreateDirectory(temp);
        try
        {
            // The transformer trainer reads the dVAE from the run; a random one costs the same to run.
            using (var dvae = new DiscreteVae(config.Dvae)) CheckpointIO.Save(dvae, run.WeightsPath(StageKind.Dvae));

            output.WriteLine($"{TorchRuntime.Describe()}; {Environment.ProcessorCount} cores; load average {LoadAverage()}");
            output.WriteLine($"transformer {config.Transformer.Layers}×{config.Transformer.ModelDim} ({config.Transformer.Heads} heads), " +
                             $"dVAE width {config.Dvae.HiddenWidth} codebook {config.Dvae.CodebookSize}, reranker image width {config.Reranker.ImageWidth}");
            output.WriteLine();
            output.WriteLine("| stage | parameters | fp16 size | batch | samples/s (wall) | CPU ms/sample | shipped steps | projected at the wall rate | projected from CPU time |");
            output.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            double totalWall = 0, totalOneCore = 0;
            foreach (var stage in options.Stages)
            {
                var plan = ShippedConfig.Plan(stage);
                plan = plan with { Batch = options.Batch ?? plan.Batch };
                var context = new StageContext(run, config, tokenizer, CPU, plan, Seed: 0);
                using var trainer = StageTrainers.Create(stage, context, TextWriter.Null);
                long parameters = trainer.Module.parameters().Sum(p => p.numel());
                var (samplesPerSecond, cpuSecondsPerSample) = TimeSteps(trainer, plan, tokenizer, options);
                long samples = plan.Steps * plan.Batch;
                double wall = samples / samplesPerSecond, oneCore = samples * cpuSecondsPerSample;
                totalWall += wall;
                totalOneCore += oneCore;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {stage.FileStem()} | {parameters / 1e6:F2} M | {parameters * 2 / 1048576.0:F1} MiB | {plan.Batch} | {samplesPerSecond:F1} | " +
                    $"{cpuSecondsPerSample * 1000:F1} | {plan.Steps} | {Minutes(wall)} | {Minutes(oneCore)} |"));
                output.Flush();
            }
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| **all** | | | | | | | **{Minutes(totalWall)}** | **{Minutes(totalOneCore)}** |"));
            output.WriteLine();
            output.WriteLine("CPU time is the process's (rendering thread included): with --threads 1 it is what the stage takes on a core nobody else uses; " +
                             "the wall rate is what it takes while the machine is as busy as during the measurement.");
            if (options.Generation) output.WriteLine(TimeGeneration(config, tokenizer));
            return ExitCodes.Ok;
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    /// <summary>Samples per second (wall) and CPU seconds per sample over the timed steps (after warm-up), data pipeline included.</summary>
    static (double SamplesPerSecond, double CpuSecondsPerSample) TimeSteps(IStageTrainer trainer, StagePlan plan, TextTokenizer tokenizer, BenchOptions options)
    {
        var spec = new BatchSpec(DataSeeds.Training(0, StageKind.Dvae, 0), Split.Train, plan.Batch, trainer.ReadsText ? tokenizer : null, plan.CaptionDropout);
        using var producer = new BatchProducer(spec);
        var clock = new Stopwatch();
        var process = Process.GetCurrentProcess();
        TimeSpan cpuStart = TimeSpan.Zero;
        for (int step = 0; step < options.Warmup + options.Steps; step++)
        {
            if (step == options.Warmup)
            {
                process.Refresh();
                cpuStart = process.TotalProcessorTime;
                clock.Start();
            }
            var batch = producer.Take();
            using (NewDisposeScope()) trainer.Step(batch, step);
        }
        clock.Stop();
        process.Refresh();
        double samples = options.Steps * plan.Batch;
        return (samples / clock.Elapsed.TotalSeconds, (process.TotalProcessorTime - cpuStart).TotalSeconds / samples);
    }

    /// <summary>One request of 8 candidates through the in-process generator (random weights decode at the same speed).</summary>
    static string TimeGeneration(ModelConfig config, TextTokenizer tokenizer)
    {
        using var bundle = ModelBundle.CreateRandom(config, tokenizer);
        using var generator = new Generator(bundle);
        generator.Generate(new ImageRequest("a red circle", 2, 1, 0));   // warm-up
        var result = generator.Generate(new ImageRequest("a large blue square in the top left", 8, 8, 1));
        var t = result.Timings;
        double evalSeconds = 64 * t.TotalMs / 1000;
        return string.Create(CultureInfo.InvariantCulture,
            $"\ngeneration, 8 candidates: tokens {t.TokensMs:F0} ms, decode {t.DecodeMs:F0} ms, rerank {t.RerankMs:F0} ms, encode {t.EncodeMs:F0} ms; " +
            $"`eval` (64 captions × 8) ≈ {Minutes(evalSeconds)}");
    }

    static string Minutes(double seconds) => seconds >= 3600 ? $"{seconds / 3600:F2} h" : $"{seconds / 60:F1} min";

    static string LoadAverage()
    {
        try { return File.ReadAllText("/proc/loadavg").Split(' ')[0]; }
        catch (IOException) { return "?"; }
    }
}
