namespace DalleOrleans.Training.Tests;

/// <summary>
/// One tiny run trained the way a real run is: every stage in two sessions (a few steps, then a larger --steps
/// that resumes), then packaged. Training is the slow part, so the tests share it and check what each session did.
/// </summary>
public sealed class TrainedRunFixture : IDisposable
{
    public string Root { get; } = TinyRun.NewFolder("run");
    public string Run => Path.Combine(Root, "run");
    public string Model => Path.Combine(Root, "model");
    public string ConfigPath { get; }
    public Dictionary<string, (CliRunner.Outcome First, CliRunner.Outcome Second)> Sessions { get; } = new();
    public CliRunner.Outcome Package { get; }

    public TrainedRunFixture()
    {
        ConfigPath = TinyRun.WriteConfig(Root);
        Train("dvae", firstSteps: 2, steps: 3, batch: 8, "--samples-every", "2", "--config", ConfigPath, "--vocab-captions", "400");
        Train("transformer", firstSteps: 2, steps: 3, batch: 8, "--samples-every", "3");
        Train("reranker", firstSteps: 2, steps: 3, batch: 8, "--samples-every", "3");
        Package = CliRunner.Run("package", "--run", Run, "--out", Model, "--max-mb", "5");
    }

    void Train(string stage, int firstSteps, int steps, int batch, params string[] more)
    {
        var first = CliRunner.Stage(stage, Run, ["--steps", $"{firstSteps}", "--batch", $"{batch}", .. more]);
        // The second session passes the same options (the same --config is accepted by a run that has it) and more steps.
        var second = CliRunner.Stage(stage, Run, ["--steps", $"{steps}", .. more]);
        Sessions[stage] = (first, second);
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class TrainedRunCollection : ICollectionFixture<TrainedRunFixture>
{
    public const string Name = "trained tiny run";
}
