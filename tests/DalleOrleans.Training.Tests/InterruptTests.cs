using DalleOrleans.Training.Checkpointing;
using DalleOrleans.Training.Cli;
using DalleOrleans.Training.Commands;
using DalleOrleans.Training.Progress;
using DalleOrleans.Training.Setup;
using DalleOrleans.Training.Training;

namespace DalleOrleans.Training.Tests;

public class InterruptTests
{
    [Fact]
    public void AStopRequestWritesACheckpointAndExitsWith130()
    {
        string folder = TinyRun.NewFolder("stop");
        var options = new StageOptions
        {
            Run = Path.Combine(folder, "run"), ConfigFile = TinyRun.WriteConfig(folder), VocabCaptions = 200,
            Steps = 5, Batch = 4, SamplesEvery = 0, Progress = ProgressMode.Plain,
        };
        using var stop = new StopSignal(listen: false);
        stop.Request();   // as if Ctrl+C arrived before the first step finished
        var output = new StringWriter();
        int exit = StageCommand.Run(StageKind.Dvae, options, output, new StringWriter(), stop);

        Assert.Equal(ExitCodes.Interrupted, exit);
        Assert.Contains("checkpoint at step 0 (stop requested)", output.ToString());
        var state = StageState.Read(new RunFolder(options.Run).StatePath(StageKind.Dvae));
        Assert.False(state.IsComplete);

        // Running the command again finishes the plan.
        Assert.Equal(0, StageCommand.Run(StageKind.Dvae, options, new StringWriter(), new StringWriter(), new StopSignal(listen: false)));
        Assert.Equal(5, StageState.Read(new RunFolder(options.Run).StatePath(StageKind.Dvae)).Step);
    }
}
