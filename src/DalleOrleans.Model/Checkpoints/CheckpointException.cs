namespace DalleOrleans.Model.Checkpoints;

/// <summary>
/// A checkpoint file could not be read, written or applied to a module.
/// </summary>
/// <remarks>
/// Derives from <see cref="Exception"/>, not IOException (InvalidDataException is sealed): an
/// IOException often means "retry", and retrying never fixes a corrupt or mismatched checkpoint.
/// The message always names the file, so a log line alone tells an operator which file to fix.
/// </remarks>
public sealed class CheckpointException : Exception
{
    public CheckpointException(string path, string problem, Exception? inner = null)
        : base($"checkpoint '{path}': {problem}", inner)
    {
        FilePath = path;
        Problem = problem;
    }

    /// <summary>The file the problem is about.</summary>
    public string FilePath { get; }

    /// <summary>What is wrong, without the file name.</summary>
    public string Problem { get; }
}
