using DalleOrleans.Model;
using DalleOrleans.Model.Checkpoints;
using DalleOrleans.Model.Dvae;
using DalleOrleans.Training.Checkpointing;
using DalleOrleans.Training.Setup;
using DalleOrleans.Training.Training;
using static TorchSharp.torch;

namespace DalleOrleans.Training.Tests;

public class CheckpointTests
{
    static readonly DvaeConfig Tiny = new() { ImageSize = 64, CodebookSize = 16, HiddenWidth = 4, Groups = 4, DecoderInputWidth = 8 };

    public CheckpointTests() => TorchThreads.Initialize(null);   // as the commands do: libtorch keeps the first setting for the process

    static StageState State(long step) => new() { Stage = "dvae", Step = step, Plan = new StagePlan(10, 2, 1e-3) };

    [Fact]
    public void RestoreLoadsTheSavedWeightsAndOptimiser()
    {
        var run = new RunFolder(TinyRun.NewFolder("ckpt"));
        manual_seed(1);
        using var saved = new DiscreteVae(Tiny);
        using var savedOptimizer = Optimizers.AdamW(saved, State(0).Plan);
        StageCheckpoint.Save(run, StageKind.Dvae, saved, savedOptimizer, State(4));

        manual_seed(2);
        using var fresh = new DiscreteVae(Tiny);
        using var freshOptimizer = Optimizers.AdamW(fresh, State(0).Plan);
        var log = new StringWriter();
        var state = StageCheckpoint.Restore(run, StageKind.Dvae, StageCheckpoint.ReadState(run, StageKind.Dvae)!, fresh, freshOptimizer, log);

        Assert.Equal(4, state.Step);
        Assert.Equal("", log.ToString());
        var expected = saved.state_dict();
        foreach (var (name, tensor) in fresh.state_dict()) Assert.True(tensor.allclose(expected[name], rtol: 0, atol: 0), name);
    }

    [Fact]
    public void WeightsNewerThanTheStateFileWinAndTheOptimiserRestarts()
    {
        var run = new RunFolder(TinyRun.NewFolder("ckpt-interrupted"));
        using var vae = new DiscreteVae(Tiny);
        using var optimizer = Optimizers.AdamW(vae, State(0).Plan);
        StageCheckpoint.Save(run, StageKind.Dvae, vae, optimizer, State(4));
        // A save at step 6 that died after the weights and before the state file.
        CheckpointIO.Save(vae, run.WeightsPath(StageKind.Dvae), new Dictionary<string, string> { [StageCheckpoint.StepMetadataKey] = "6" });

        var log = new StringWriter();
        var state = StageCheckpoint.Restore(run, StageKind.Dvae, StageCheckpoint.ReadState(run, StageKind.Dvae)!, vae, optimizer, log);
        Assert.Equal(6, state.Step);
        Assert.Contains("fresh optimiser moments", log.ToString());
    }

    [Fact]
    public void AStateWithoutWeightsIsReportedClearly()
    {
        var run = new RunFolder(TinyRun.NewFolder("ckpt-missing"));
        using var vae = new DiscreteVae(Tiny);
        using var optimizer = Optimizers.AdamW(vae, State(0).Plan);
        StageCheckpoint.Save(run, StageKind.Dvae, vae, optimizer, State(2));
        File.Delete(run.WeightsPath(StageKind.Dvae));
        var e = Assert.Throws<InvalidDataException>(() =>
            StageCheckpoint.Restore(run, StageKind.Dvae, StageCheckpoint.ReadState(run, StageKind.Dvae)!, vae, optimizer, TextWriter.Null));
        Assert.Contains("delete the state file to start the stage over", e.Message);
    }

    [Fact]
    public void OnlyTheCurrentOptimiserFileIsKept()
    {
        var run = new RunFolder(TinyRun.NewFolder("ckpt-files"));
        using var vae = new DiscreteVae(Tiny);
        using var optimizer = Optimizers.AdamW(vae, State(0).Plan);
        StageCheckpoint.Save(run, StageKind.Dvae, vae, optimizer, State(1));
        StageCheckpoint.Save(run, StageKind.Dvae, vae, optimizer, State(2));
        Assert.Equal(["dvae.optimizer.2.bin"], Directory.GetFiles(run.Root, "*.bin").Select(Path.GetFileName));
        Assert.Empty(Directory.GetFiles(run.Root, "*.tmp"));
    }
}
