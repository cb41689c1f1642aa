namespace DalleOrleans.Training.Progress;

/// <summary>How a long command shows progress.</summary>
public enum ProgressMode
{
    /// <summary>A live progress bar on an interactive terminal, log lines otherwise (nohup, redirected output).</summary>
    Auto,
    /// <summary>Spectre.Console's live progress bar.</summary>
    Live,
    /// <summary>One plain log line every few seconds: greppable, and readable in a log file.</summary>
    Plain,
}
