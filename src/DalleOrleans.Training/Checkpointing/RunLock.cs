namespace DalleOrleans.Training.Checkpointing;

/// <summary>
/// Keeps two processes from training the same stage of one run at once (say, a second nohup launched by
/// mistake), which would interleave checkpoints. An exclusive lock file; the OS drops it if the process dies.
/// </summary>
public sealed class RunLock : IDisposable
{
    readonly FileStream _file;

    RunLock(FileStream file) => _file = file;

    public static RunLock Acquire(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        try
        {
            return new RunLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException e)
        {
            throw new InvalidOperationException($"{path} is locked: another process is training this stage of the run.", e);
        }
    }

    public void Dispose() => _file.Dispose();
}
