using DalleOrleans.Model.Checkpoints;
using DalleOrleans.Training.Checkpointing;
using DalleOrleans.Training.Setup;

namespace DalleOrleans.Training.Tests;

/// <summary>
/// v2's recipe on the tiny run: stages warm-started from a packaged model with --init, the dVAE's decoder-only
/// and straight-through modes, and the reranker on dVAE round trips with hard negatives.
/// </summary>
[Collection(TrainedRunCollection.Name)]
public class WarmStartTests(TrainedRunFixture run)
{
    /// <summary>A new run folder with the model's config and vocabulary, as a warm-started run begins.</summary>
    string NewRunLike()
    {
        string folder = TinyRun.NewFolder("warm");
        File.Copy(Path.Combine(run.Model, "config.json"), Path.Combine(folder, "config.json"));
        File.Copy(Path.Combine(run.Model, "vocab.json"), Path.Combine(folder, "vocab.json"));
        return folder;
    }

    static Dictionary<string, float[]> Weights(string path)
    {
        using var file = SafeTensors.Read(path);
        return file.Tensors.ToDictionary(kv => kv.Key, kv => kv.Value.to_type(TorchSharp.torch.ScalarType.Float32).data<float>().ToArray());
    }

    [Fact]
    public void DecoderOnlyWarmStartChangesTheDecoderAndKeepsTheEncoderBitForBit()
    {
        string folder = NewRunLike();
        var outcome = CliRunner.Stage("dvae", folder, "--init", run.Model, "--decoder-only", "true", "--steps", "2", "--batch", "8", "--samples-every", "0");
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        Assert.Contains("warm start from", outcome.Output);

        var before = Weights(Path.Combine(run.Model, "dvae.safetensors"));          // fp16 in the bundle
        var after = Weights(Path.Combine(folder, "dvae.safetensors"));
        foreach (var (name, values) in after.Where(kv => kv.Key.StartsWith("encoder.")))
        {
            // The bundle stores fp16, the run fp32: the frozen encoder is the fp16 value converted, exactly.
            Assert.Equal(before[name], values);
        }
        Assert.Contains(after.Where(kv => kv.Key.StartsWith("decoder.")), kv => !kv.Value.SequenceEqual(before[kv.Key]));

        var state = StageState.Read(Path.Combine(folder, "dvae.state.json"));
        Assert.True(state.Plan.DecoderOnly);
        Assert.Contains(state.Sessions, s => s.Contains("warm start from"));
    }

    [Fact]
    public void StraightThroughRunsWithAnAnchorAndReportsTheShareOfChangedCodes()
    {
        string folder = NewRunLike();
        var outcome = CliRunner.Stage("dvae", folder, "--init", run.Model, "--straight-through", "true", "--anchor", run.Model,
            "--anchor-weight", "0.5", "--steps", "2", "--batch", "8", "--samples-every", "0");
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        Assert.Contains(" changed ", outcome.Output);
        var state = StageState.Read(Path.Combine(folder, "dvae.state.json"));
        Assert.True(state.Plan.StraightThrough);
        Assert.Equal(Path.GetFullPath(run.Model), state.Plan.Anchor);
    }

    [Fact]
    public void RerankerTrainsOnDecodedImagesWithHardNegatives()
    {
        string folder = NewRunLike();
        File.Copy(Path.Combine(run.Model, "dvae.safetensors"), Path.Combine(folder, "dvae.safetensors"));
        var outcome = CliRunner.Stage("reranker", folder, "--init", run.Model, "--decoded-images", "true", "--hard-negatives", "true",
            "--faithful-round-trips", "true", "--steps", "2", "--batch", "8", "--samples-every", "0");
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        var state = StageState.Read(Path.Combine(folder, "reranker.state.json"));
        Assert.True(state.Plan.HardNegatives && state.Plan.DecodedImages && state.Plan.FaithfulRoundTrips);
        Assert.Matches(@"faithful (0|1|0\.\d+)", outcome.Output);   // the share of round trips kept is logged
    }

    [Fact]
    public void BadWarmStartsAreUsageErrorsThatNameTheOption()
    {
        string folder = NewRunLike();
        var missing = CliRunner.Stage("reranker", folder, "--init", Path.Combine(folder, "no-such-folder"), "--steps", "1");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("--init", missing.Error);

        var noWeights = CliRunner.Stage("reranker", folder, "--init", folder, "--steps", "1");
        Assert.Equal(2, noWeights.ExitCode);
        Assert.Contains("holds no reranker.safetensors", noWeights.Error);

        var both = CliRunner.Stage("dvae", folder, "--decoder-only", "true", "--straight-through", "true", "--steps", "1");
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("--decoder-only and --straight-through", both.Error);

        var faithfulWithoutDecoded = CliRunner.Stage("reranker", folder, "--faithful-round-trips", "true", "--steps", "1");
        Assert.Equal(2, faithfulWithoutDecoded.ExitCode);
        Assert.Contains("--faithful-round-trips true needs --decoded-images true", faithfulWithoutDecoded.Error);

        var decodedWithoutDvae = CliRunner.Stage("reranker", NewRunLike(), "--decoded-images", "true", "--steps", "1");
        Assert.Equal(1, decodedWithoutDvae.ExitCode);
        Assert.Contains("run `dalle-train dvae` first", decodedWithoutDvae.Error);
    }
}
