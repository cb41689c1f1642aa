using DalleOrleans.Model;
using DalleOrleans.Model.Checkpoints;
using DalleOrleans.Training.Cli;
using DalleOrleans.Training.Setup;

namespace DalleOrleans.Training.Commands;

/// <summary>Starts libtorch and loads a model folder for `sample` and `eval`, turning failures into exit codes.</summary>
public static class ModelLoading
{
    /// <summary>The loaded bundle, or null with <paramref name="exitCode"/> set and the reason printed.</summary>
    public static ModelBundle? TryLoad(GenerationOptions options, TextWriter error, out int exitCode)
    {
        exitCode = ExitCodes.Ok;
        TorchSharp.torch.Device device;
        try
        {
            TorchThreads.Initialize(options.Threads);
            device = TorchRuntime.ParseDevice(options.Device, "--device");
        }
        catch (ArgumentException e)
        {
            exitCode = ExitCodes.UsageError(error, e);
            return null;
        }
        try
        {
            return ModelBundle.Load(options.Model, device);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or CheckpointException or ArgumentException)
        {
            error.WriteLine($"error: cannot load the model in '{options.Model}': {e.Message}");
            exitCode = ExitCodes.Failed;
            return null;
        }
    }
}
