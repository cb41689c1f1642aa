using System.Text.Json.Nodes;
using DalleOrleans.Model;
using DalleOrleans.Model.Checkpoints;

namespace DalleOrleans.Training.Tests;

[Collection(TrainedRunCollection.Name)]
public class PackageTests(TrainedRunFixture run)
{
    [Fact]
    public void PackageWritesABundleThatLoadsStrictly()
    {
        Assert.True(run.Package.ExitCode == 0, run.Package.ToString());
        Assert.Contains("loads back: model 'tiny-train-test'", run.Package.Output);
        foreach (var file in new[] { "config.json", "vocab.json", "dvae.safetensors", "transformer.safetensors", "reranker.safetensors", "TRAINING.md" })
            Assert.True(File.Exists(Path.Combine(run.Model, file)), file);
        using var bundle = ModelBundle.Load(run.Model);
        Assert.Equal("tiny-train-test", bundle.ModelId);
    }

    [Fact]
    public void WeightsAreStoredAsFloat16AndMatchTheRun()
    {
        var header = SafeTensors.ReadHeader(Path.Combine(run.Model, "transformer.safetensors"));
        Assert.All(header.Entries, e => Assert.Equal("F16", e.DType));
        using var packaged = SafeTensors.Read(Path.Combine(run.Model, "dvae.safetensors")).ConvertFloatsToFloat32();
        using var trained = SafeTensors.Read(Path.Combine(run.Run, "dvae.safetensors"));
        foreach (var (name, tensor) in trained.Tensors)
            Assert.True(tensor.allclose(packaged.Tensors[name], rtol: 1e-2, atol: 1e-3), name);
    }

    [Fact]
    public void TrainingMdRecordsCommandsStepsAndLosses()
    {
        string md = File.ReadAllText(Path.Combine(run.Model, "TRAINING.md"));
        Assert.Contains("-- dvae --run $RUN --steps 3 --batch 8", md);
        Assert.Contains("-- transformer --run $RUN --steps 3", md);
        Assert.Contains("| reranker |", md);
        Assert.Contains("loss", md);
    }

    [Fact]
    public void ABundleOverTheSizeLimitIsNotWritten()
    {
        string target = Path.Combine(run.Root, $"too-big-{Guid.NewGuid():N}");
        var outcome = CliRunner.Run("package", "--run", run.Run, "--out", target, "--max-mb", "0.01");
        Assert.Equal(1, outcome.ExitCode);
        Assert.Contains("over the 0.01 MiB limit", outcome.Error);
        Assert.False(Directory.Exists(target));
    }

    [Fact]
    public void AnUnfinishedStageIsRefusedUnlessAllowed()
    {
        string copy = Path.Combine(run.Root, $"unfinished-{Guid.NewGuid():N}");
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(run.Run)) File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        string statePath = Path.Combine(copy, "reranker.state.json");
        var state = JsonNode.Parse(File.ReadAllText(statePath))!;
        state["Plan"]!["Steps"] = 100;
        File.WriteAllText(statePath, state.ToJsonString());

        var refused = CliRunner.Run("package", "--run", copy, "--out", Path.Combine(copy, "model"));
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("reranker stage is at step 3 of 100", refused.Error);
        Assert.Contains("--allow-incomplete", refused.Error);

        var allowed = CliRunner.Run("package", "--run", copy, "--out", Path.Combine(copy, "model"), "--allow-incomplete");
        Assert.True(allowed.ExitCode == 0, allowed.ToString());
    }

    [Fact]
    public void AMissingStageNamesTheCommandToRun()
    {
        string empty = TinyRun.NewFolder("empty-run");
        var outcome = CliRunner.Run("package", "--run", empty, "--out", Path.Combine(empty, "model"));
        Assert.Equal(1, outcome.ExitCode);
        Assert.Contains("run `dalle-train dvae", outcome.Error);
    }

    [Fact]
    public void AWarmStartThatTrainedOneStageShipsTheOthersInheritedUnchanged()
    {
        // A run with only the transformer's state (as after `transformer --init <model>`): the dVAE and reranker come
        // from the packaged model, byte for byte in the run and value for value in the new bundle.
        string warm = Path.Combine(run.Root, $"warm-{Guid.NewGuid():N}");
        Directory.CreateDirectory(warm);
        foreach (var file in new[] { "config.json", "vocab.json", "transformer.safetensors", "transformer.state.json" })
            File.Copy(Path.Combine(run.Run, file), Path.Combine(warm, file));

        var refused = CliRunner.Run("package", "--run", warm, "--out", Path.Combine(warm, "model"));
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("--inherit", refused.Error);

        var packaged = CliRunner.Run("package", "--run", warm, "--out", Path.Combine(warm, "model"), "--inherit", run.Model);
        Assert.True(packaged.ExitCode == 0, packaged.ToString());
        Assert.Equal(File.ReadAllBytes(Path.Combine(run.Model, "reranker.safetensors")), File.ReadAllBytes(Path.Combine(warm, "reranker.safetensors")));
        using (var inheritedFrom = SafeTensors.Read(Path.Combine(run.Model, "dvae.safetensors")))
        using (var shipped = SafeTensors.Read(Path.Combine(warm, "model", "dvae.safetensors")))
            foreach (var (name, tensor) in inheritedFrom.Tensors) Assert.True(tensor.eq(shipped.Tensors[name]).all().item<bool>(), name);
        string md = File.ReadAllText(Path.Combine(warm, "model", "TRAINING.md"));
        Assert.Contains("inherited unchanged from", md);
        Assert.Contains("-- transformer --run $RUN --steps 3", md);
        Assert.DoesNotContain("-- dvae --run", md);

        // A run copy that is not the model's own file is not silently shipped as "inherited".
        File.WriteAllBytes(Path.Combine(warm, "reranker.safetensors"), File.ReadAllBytes(Path.Combine(run.Run, "reranker.safetensors")));
        var mismatch = CliRunner.Run("package", "--run", warm, "--out", Path.Combine(warm, "model2"), "--inherit", run.Model);
        Assert.Equal(1, mismatch.ExitCode);
        Assert.Contains("differs from", mismatch.Error);
    }
}
