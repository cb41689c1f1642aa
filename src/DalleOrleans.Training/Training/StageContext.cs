using DalleOrleans.Model;
using DalleOrleans.Model.Text;
using DalleOrleans.Training.Setup;
using static TorchSharp.torch;

namespace DalleOrleans.Training.Training;

/// <summary>What a stage trainer is built from: the run, its config and vocabulary, the device and the plan.</summary>
public sealed record StageContext(RunFolder Run, ModelConfig Config, TextTokenizer Tokenizer, Device Device, StagePlan Plan, int Seed);
