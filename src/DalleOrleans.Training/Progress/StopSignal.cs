using System.Runtime.InteropServices;

namespace DalleOrleans.Training.Progress;

/// <summary>
/// Turns Ctrl+C and SIGTERM (kill, a shutting-down machine) into a request to stop after the current step,
/// so the loop writes a checkpoint before the process ends instead of losing the minutes since the last one.
/// </summary>
public sealed class StopSignal : IDisposable
{
    readonly List<PosixSignalRegistration> _registrations = new();
    volatile bool _requested;

    public bool Requested => _requested;

    /// <summary>Listens for the signals; <paramref name="listen"/> false gives a signal that only <see cref="Request"/> sets (tests).</summary>
    public StopSignal(bool listen = true)
    {
        if (!listen) return;
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
        {
            _registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;   // keep the process alive until the checkpoint is written
                _requested = true;
            }));
        }
    }

    public void Request() => _requested = true;

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
    }
}
