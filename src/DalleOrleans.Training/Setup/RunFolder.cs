using DalleOrleans.Model;

namespace DalleOrleans.Training.Setup;

/// <summary>
/// The files of one training run. The stage files use the model bundle's names (config.json, vocab.json,
/// dvae/transformer/reranker.safetensors), so a finished run folder loads as a bundle as it is.
/// </summary>
public sealed class RunFolder
{
    public RunFolder(string root)
    {
        if (string.IsNullOrWhiteSpace(root)) throw new ArgumentException("--run is empty; give a folder for the run's files.", "run");
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }
    public string ConfigPath => Path.Combine(Root, ModelBundle.ConfigFile);
    public string VocabPath => Path.Combine(Root, ModelBundle.VocabFile);
    public string SamplesFolder => Path.Combine(Root, "samples");

    public string WeightsPath(StageKind stage) => Path.Combine(Root, stage.FileStem() + ".safetensors");
    public string StatePath(StageKind stage) => Path.Combine(Root, stage.FileStem() + ".state.json");

    /// <summary>The optimiser file for a step; the step in the name ties it to the weights it belongs to.</summary>
    public string OptimizerFileName(StageKind stage, long step) => $"{stage.FileStem()}.optimizer.{step}.bin";

    public string SamplePath(StageKind stage, long step) => Path.Combine(SamplesFolder, $"{stage.FileStem()}-{step:D7}.png");

    public override string ToString() => Root;
}
