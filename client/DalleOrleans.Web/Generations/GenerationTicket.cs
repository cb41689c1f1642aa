using System.Security.Cryptography;

namespace DalleOrleans.Web.Generations;

/// <summary>
/// One requester's claim on a shared generation. Every POST gets its own ticket, with a random id, even when identical
/// requests share one <see cref="GenerationJob"/>: the id says nothing about the prompt (it cannot be derived from it),
/// and withdrawing (DELETE) drops only this requester's interest. The job stops when no ticket is left interested.
/// </summary>
public sealed class GenerationTicket
{
    int _withdrawn;

    public GenerationTicket(GenerationJob job, byte[]? owner)
    {
        Id = NewId();
        Job = job;
        Owner = owner;
    }

    /// <summary>64 lowercase hex digits of a cryptographic random number (256 bits): unguessable.</summary>
    public string Id { get; }
    public GenerationJob Job { get; }
    /// <summary>Digest of the API key that created the ticket (null without keys): only that key may read it.</summary>
    public byte[]? Owner { get; }
    public bool Withdrawn => Volatile.Read(ref _withdrawn) == 1;

    /// <summary>Withdraws this requester's interest; false when it was withdrawn before or the job has already finished.</summary>
    public bool Withdraw()
    {
        if (Job.IsFinished || Interlocked.Exchange(ref _withdrawn, 1) == 1) return false;
        Job.Leave();
        return true;
    }

    /// <summary>The job as this requester sees it: a withdrawn ticket reads as cancelled, whatever the others' job does.</summary>
    public JobSnapshot Snapshot()
    {
        var state = Job.Snapshot();
        if (!Withdrawn) return state;
        return state with { Status = JobStatus.Failed, Result = null, Error = JobError.Cancelled, Progress = state.Progress with { Stage = Abstractions.GenerationStage.Cancelled } };
    }

    public static bool IsWellFormed(string? id) =>
        id is { Length: 64 } && id.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
}
