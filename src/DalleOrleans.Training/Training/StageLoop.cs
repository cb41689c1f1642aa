using System.Diagnostics;
using DalleOrleans.Shapes;
using DalleOrleans.Training.Checkpointing;
using DalleOrleans.Training.Data;
using DalleOrleans.Training.Progress;
using DalleOrleans.Training.Setup;
using static TorchSharp.torch;

namespace DalleOrleans.Training.Training;

/// <summary>
/// The training loop of every stage: take a batch, step, report; a preview grid every few steps, a
/// checkpoint every few minutes, at the end, and when asked to stop.
/// </summary>
public sealed class StageLoop
{
    readonly StageKind _stage;
    readonly StageContext _context;
    readonly IStageTrainer _trainer;
    readonly StageOptions _options;
    readonly StopSignal _stop;
    StageState _state;

    public StageLoop(StageKind stage, StageContext context, IStageTrainer trainer, StageState state, StageOptions options, StopSignal stop)
    {
        (_stage, _context, _trainer, _state, _options, _stop) = (stage, context, trainer, state, options, stop);
    }

    /// <summary>Trains to the end of the plan (or until stopped); returns the state of the last checkpoint.</summary>
    public StageState Run(ITrainingProgress progress)
    {
        var plan = _context.Plan;
        var run = _context.Run;
        long startStep = _state.Step, step = startStep;
        long samplesEvery = _options.SamplesEvery ?? StageOptions.DefaultSamplesEvery(_stage);
        double trainSecondsBefore = _state.TrainSeconds;
        var checkpointEvery = TimeSpan.FromMinutes(_options.CheckpointEveryMinutes);
        var sinceCheckpoint = Stopwatch.StartNew();
        var meter = new ThroughputMeter();
        var smoother = new MetricSmoother();
        long samples = _state.SamplesSeen;

        // Resumed runs draw a fresh stream (and torch seed) for the steps still to come.
        manual_seed(_context.Seed + startStep);
        var spec = new BatchSpec(DataSeeds.Training(_context.Seed, _stage, startStep), Split.Train, plan.Batch,
            _trainer.ReadsText ? _context.Tokenizer : null, plan.CaptionDropout, HardNegatives: plan.HardNegatives);
        using var producer = new BatchProducer(spec);
        progress.Message(startStep == 0
            ? $"{_stage.FileStem()}: training {plan.Steps} steps of {plan.Batch} in {run.Root}"
            : $"{_stage.FileStem()}: resuming at step {startStep}/{plan.Steps} from {run.WeightsPath(_stage)}");

        void Save(string why)
        {
            _state = _state with
            {
                Step = step,
                Plan = plan,
                SamplesSeen = samples,
                TrainSeconds = trainSecondsBefore + meter.Elapsed.TotalSeconds,
                Metrics = smoother.ToDictionary(),
            };
            StageCheckpoint.Save(run, _stage, _trainer.Module, _trainer.Optimizer, _state);
            sinceCheckpoint.Restart();
            progress.Message($"{_stage.FileStem()}: checkpoint at step {step} ({why}) → {run.WeightsPath(_stage)}");
        }

        void Preview()
        {
            string path = run.SamplePath(_stage, step);
            string note = _trainer.WritePreview(path, step);
            progress.Message($"{_stage.FileStem()}: samples at step {step} → {path} ({note})");
        }

        bool previewedLast = false;
        while (step < plan.Steps)
        {
            if (_stop.Requested) break;
            var batch = producer.Take();
            IReadOnlyList<KeyValuePair<string, double>> metrics;
            using (NewDisposeScope())
                metrics = _trainer.Step(batch, step);
            if (!double.IsFinite(metrics[0].Value))
                throw new InvalidOperationException($"{_stage.FileStem()}: the loss is {metrics[0].Value} at step {step}; stopping without overwriting the last good checkpoint.");
            step++;
            samples += batch.Size;
            meter.Step(batch.Size);
            smoother.Add(metrics);
            progress.Report(new ProgressSnapshot(_stage.FileStem(), step, plan.Steps, smoother.Values, meter.SamplesPerSecond,
                TimeSpan.FromSeconds(trainSecondsBefore) + meter.Elapsed, meter.Remaining(plan.Steps - step)));

            previewedLast = false;
            if (samplesEvery > 0 && step % samplesEvery == 0)
            {
                meter.Pause(Preview);
                previewedLast = true;
            }
            if (sinceCheckpoint.Elapsed >= checkpointEvery && step < plan.Steps)
                meter.Pause(() => Save($"every {_options.CheckpointEveryMinutes:0.##} min"));
        }

        if (step > startStep || _stop.Requested)
        {
            Save(_stop.Requested ? "stop requested" : "end of plan");
            if (!_stop.Requested && samplesEvery > 0 && !previewedLast) Preview();
        }
        if (!_stop.Requested)
            progress.Message($"{_stage.FileStem()}: done, {step} steps, {ProgressSnapshot.Duration(TimeSpan.FromSeconds(_state.TrainSeconds))} of training in all; " +
                             $"final {string.Join(", ", _state.Metrics.Select(kv => $"{kv.Key} {kv.Value:G4}"))}");
        return _state;
    }
}
