namespace DalleOrleans.Training.Progress;

/// <summary>Receives a stage's progress; implementations decide how (and how often) to show it.</summary>
public interface ITrainingProgress
{
    void Report(ProgressSnapshot snapshot);

    /// <summary>An event worth a line of its own (checkpoint written, preview saved, resumed).</summary>
    void Message(string line);
}
