using System.CommandLine;
using DalleOrleans.Training.Commands;
using DalleOrleans.Training.Progress;
using DalleOrleans.Training.Setup;

namespace DalleOrleans.Training.Cli;

/// <summary>The options `sample` and `eval` share (model folder, sampling, libtorch), bound to <see cref="GenerationOptions"/>.</summary>
public sealed class GenerationCliOptions
{
    readonly Option<string> _model = CommonOptions.Model();
    readonly Option<double> _temperature = new("--temperature") { Description = "Divides the logits; (0, 100].", DefaultValueFactory = _ => ShippedConfig.Sampling.Temperature };
    readonly Option<int> _topK = new("--top-k") { Description = "Keep the k most likely tokens; 0 = off.", DefaultValueFactory = _ => ShippedConfig.Sampling.TopK };
    readonly Option<double> _topP = new("--top-p") { Description = "Nucleus sampling; (0, 1], 1 = off.", DefaultValueFactory = _ => ShippedConfig.Sampling.TopP };
    readonly Option<double> _guidance = new("--guidance") { Description = "Classifier-free guidance scale; [0, 20], 1 = off.", DefaultValueFactory = _ => ShippedConfig.Sampling.GuidanceScale };
    readonly Option<string> _device = CommonOptions.Device();
    readonly Option<int?> _threads = CommonOptions.Threads();
    readonly Option<ProgressMode> _progress = CommonOptions.Progress();

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _model, _temperature, _topK, _topP, _guidance, _device, _threads, _progress })
            command.Options.Add(option);
    }

    public GenerationOptions Bind(ParseResult parse) => new()
    {
        Model = parse.GetValue(_model)!,
        Temperature = parse.GetValue(_temperature),
        TopK = parse.GetValue(_topK),
        TopP = parse.GetValue(_topP),
        Guidance = parse.GetValue(_guidance),
        Device = parse.GetValue(_device)!,
        Threads = parse.GetValue(_threads),
        Progress = parse.GetValue(_progress),
    };
}
