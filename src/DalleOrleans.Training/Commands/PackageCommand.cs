using DalleOrleans.Model;
using DalleOrleans.Training.Checkpointing;
using DalleOrleans.Training.Cli;
using DalleOrleans.Training.Setup;

namespace DalleOrleans.Training.Commands;

/// <summary>
/// `dalle-train package`: turns a finished run into a model folder (config.json, vocab.json, three
/// safetensors, fp16 by default) through <see cref="ModelBundle.Save"/>, checks the size limit, loads the
/// result back strictly, and writes TRAINING.md from the run's state files.
/// </summary>
public static class PackageCommand
{
    static readonly string[] BundleFiles =
        [ModelBundle.ConfigFile, ModelBundle.VocabFile, ModelBundle.DvaeFile, ModelBundle.TransformerFile, ModelBundle.RerankerFile];

    /// <summary>
    /// Puts <paramref name="folder"/>'s weights for <paramref name="stage"/> into the run (or checks that the run's copy is
    /// the same file): the packaged model then holds them unchanged. Null when that worked, else the exit code.
    /// </summary>
    static int? InheritStage(RunFolder run, StageKind stage, string folder, TextWriter error)
    {
        string source = Path.Combine(folder, $"{stage.FileStem()}.safetensors"), target = run.WeightsPath(stage);
        if (!File.Exists(source))
        {
            error.WriteLine($"error: --inherit: {source} does not exist, and the run did not train the {stage.FileStem()} stage.");
            return ExitCodes.Failed;
        }
        if (!File.Exists(target)) File.Copy(source, target);
        else if (!File.ReadAllBytes(source).AsSpan().SequenceEqual(File.ReadAllBytes(target)))
        {
            error.WriteLine($"error: --inherit: the run's {target} differs from {source}, but the run has no state for the {stage.FileStem()} stage; " +
                            "remove it to inherit the model's, or train the stage.");
            return ExitCodes.Failed;
        }
        return null;
    }

    public static int Run(PackageOptions options, TextWriter output, TextWriter error)
    {
        RunFolder run;
        try
        {
            options.Validate();
            run = new RunFolder(options.Run);
        }
        catch (ArgumentException e)
        {
            return ExitCodes.UsageError(error, e);
        }

        var states = new Dictionary<StageKind, StageState>();
        var inherited = new List<StageKind>();
        foreach (var stage in Enum.GetValues<StageKind>())
        {
            var state = StageCheckpoint.ReadState(run, stage);
            if (state is null && options.Inherit is not null)
            {
                if (InheritStage(run, stage, options.Inherit, error) is { } failed) return failed;
                inherited.Add(stage);
                continue;
            }
            if (state is null)
            {
                error.WriteLine($"error: {run.StatePath(stage)} does not exist; run `dalle-train {stage.FileStem()} --run {run.Root}` first (or pass --inherit <model folder> to ship that stage unchanged).");
                return ExitCodes.Failed;
            }
            if (!state.IsComplete && !options.AllowIncomplete)
            {
                error.WriteLine($"error: the {stage.FileStem()} stage is at step {state.Step} of {state.Plan.Steps}; finish it (rerun the stage command) or pass --allow-incomplete.");
                return ExitCodes.Failed;
            }
            states[stage] = state;
        }

        string outFolder = Path.GetFullPath(options.Out);
        string parent = Path.GetDirectoryName(outFolder.TrimEnd(Path.DirectorySeparatorChar))!;
        Directory.CreateDirectory(parent);
        string staging = Path.Combine(parent, $".{Path.GetFileName(outFolder)}.{Guid.NewGuid():N}.staging");
        try
        {
            Dictionary<StageKind, long> parameters;
            using (var bundle = ModelBundle.Load(run.Root))
            {
                bundle.Save(staging, options.Fp16);
                parameters = new()
                {
                    [StageKind.Dvae] = bundle.Dvae.parameters().Sum(p => p.numel()),
                    [StageKind.Transformer] = bundle.Transformer.parameters().Sum(p => p.numel()),
                    [StageKind.Reranker] = bundle.Reranker.parameters().Sum(p => p.numel()),
                };
            }

            long bytes = BundleFiles.Sum(f => new FileInfo(Path.Combine(staging, f)).Length);
            double megabytes = bytes / (1024.0 * 1024.0);
            foreach (var f in BundleFiles)
                output.WriteLine($"  {f,-26} {new FileInfo(Path.Combine(staging, f)).Length / 1024.0,10:F1} KiB");
            output.WriteLine($"  {"total",-26} {megabytes,10:F2} MiB (limit {options.MaxMegabytes} MiB){(options.Fp16 ? ", fp16" : "")}");
            if (megabytes > options.MaxMegabytes)
            {
                error.WriteLine($"error: the bundle is {megabytes:F2} MiB, over the {options.MaxMegabytes} MiB limit{(options.Fp16 ? "" : "; try --fp16")}. Nothing was written to {outFolder}.");
                return ExitCodes.Failed;
            }

            // The check that matters: the folder loads strictly, exactly as the service will load it.
            using (var reloaded = ModelBundle.Load(staging))
                output.WriteLine($"  loads back: model '{reloaded.ModelId}', {reloaded.Tokenizer.VocabSize} text ids");

            Directory.CreateDirectory(outFolder);
            foreach (var f in BundleFiles)
                File.Move(Path.Combine(staging, f), Path.Combine(outFolder, f), overwrite: true);
            var config = ModelConfig.Load(Path.Combine(outFolder, ModelBundle.ConfigFile));
            AtomicFile.WriteAllText(Path.Combine(outFolder, "TRAINING.md"),
                TrainingRecord.Markdown(run, config, states, parameters, megabytes, options.Fp16, inherited.ToDictionary(s => s, _ => Path.GetFullPath(options.Inherit!))));
            output.WriteLine($"packaged {run.Root} → {outFolder} (with TRAINING.md)");
            return ExitCodes.Ok;
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }
}
