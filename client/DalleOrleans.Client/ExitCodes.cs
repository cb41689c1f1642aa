namespace DalleOrleans.Client;

/// <summary>
/// What `dalle` returns, for scripts. README.md and every command's --help list these (<see cref="Help"/>); keep the
/// three in step.
/// </summary>
public static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Ok = 0;
    /// <summary>The generation (or a benchmark's request) failed on the cluster, or anything else went wrong (the line says what).</summary>
    public const int Failed = 1;
    /// <summary>Bad command line or option value: the message names the option and its range. Nothing was started.</summary>
    public const int Usage = 2;
    /// <summary>The cluster is overloaded (every device's queue is full): retry later.</summary>
    public const int Overloaded = 3;
    /// <summary>No cluster reached: Redis unreachable, no gateway, or no device registered within --connect-timeout.</summary>
    public const int Unreachable = 4;
    /// <summary>Cancelled with Ctrl+C; the cluster frees the generation's device rows.</summary>
    public const int Cancelled = 130;

    public const string Help =
        "Exit codes: 0 done, 1 failed, 2 bad command line (the message names the option), " +
        "3 cluster overloaded (retry later), 4 cluster unreachable, 130 cancelled. Errors are one line on stderr.";
}
