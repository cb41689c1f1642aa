namespace DalleOrleans.Model.Dvae;

/// <summary>
/// The dVAE's annealing schedule as functions of the optimiser step (paper, appendix A.2): temperature
/// τ from 1 down to 1/16, KL weight β from 0 up to its final value, and the step size down, each along
/// a half-cosine and then held at its end value.
/// </summary>
/// <remarks>
/// The paper anneals τ over the first 150k of 3M updates, raises β to 6.6 over the first 5k and lowers
/// the step size from 1e-4 to 1.25e-6 over 1.2M, noting that a linear τ schedule tended to diverge.
/// The defaults keep those proportions for a short CPU run: β reaches its final value early (so the
/// codebook is used broadly from the start), τ is low for the last part of training (so the decoder
/// learns to read nearly one-hot codes, which is what it sees at serving time).
/// </remarks>
public sealed record DvaeSchedule
{
    /// <summary>τ at step 0.</summary>
    public double StartTemperature { get; init; } = 1.0;

    /// <summary>τ from <see cref="TemperatureSteps"/> on.</summary>
    public double FinalTemperature { get; init; } = 1.0 / 16.0;

    /// <summary>Steps over which τ falls from start to final.</summary>
    public long TemperatureSteps { get; init; } = 6000;

    /// <summary>β from <see cref="KlWarmupSteps"/> on (it starts at 0).</summary>
    public double FinalKlWeight { get; init; } = 6.6;

    /// <summary>Steps over which β rises from 0 to final.</summary>
    public long KlWarmupSteps { get; init; } = 500;

    /// <summary>Weight of the code-usage term of <see cref="DiscreteVae.Loss"/> (constant; 0 = the paper's loss).</summary>
    public double CodeUsageWeight { get; init; } = 0.0;

    /// <summary>Step size at step 0.</summary>
    public double StartLearningRate { get; init; } = 1e-3;

    /// <summary>Step size from <see cref="LearningRateSteps"/> on.</summary>
    public double FinalLearningRate { get; init; } = 1e-4;

    /// <summary>Steps over which the step size falls from start to final.</summary>
    public long LearningRateSteps { get; init; } = 8000;

    /// <summary>Gumbel-softmax temperature τ at <paramref name="step"/>.</summary>
    public double Temperature(long step) => Cosine(StartTemperature, FinalTemperature, step, TemperatureSteps);

    /// <summary>KL weight β at <paramref name="step"/>.</summary>
    public double KlWeight(long step) => Cosine(0.0, FinalKlWeight, step, KlWarmupSteps);

    /// <summary>Optimiser step size at <paramref name="step"/>.</summary>
    public double LearningRate(long step) => Cosine(StartLearningRate, FinalLearningRate, step, LearningRateSteps);

    /// <summary>Half-cosine from <paramref name="start"/> (step 0) to <paramref name="end"/> (step ≥ steps).</summary>
    public static double Cosine(double start, double end, long step, long steps)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), step, "step must be ≥ 0.");
        if (steps <= 0 || step >= steps) return end;
        double progress = (double)step / steps;
        return end + (start - end) * 0.5 * (1.0 + Math.Cos(Math.PI * progress));
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first field outside its limits.</summary>
    public void Validate()
    {
        Require(StartTemperature > 0 && double.IsFinite(StartTemperature), nameof(StartTemperature), $"must be a finite number > 0; got {StartTemperature}");
        Require(FinalTemperature > 0 && double.IsFinite(FinalTemperature), nameof(FinalTemperature), $"must be a finite number > 0; got {FinalTemperature}");
        Require(TemperatureSteps >= 0, nameof(TemperatureSteps), $"must be ≥ 0; got {TemperatureSteps}");
        Require(FinalKlWeight >= 0 && double.IsFinite(FinalKlWeight), nameof(FinalKlWeight), $"must be a finite number ≥ 0; got {FinalKlWeight}");
        Require(KlWarmupSteps >= 0, nameof(KlWarmupSteps), $"must be ≥ 0; got {KlWarmupSteps}");
        Require(CodeUsageWeight >= 0 && double.IsFinite(CodeUsageWeight), nameof(CodeUsageWeight), $"must be a finite number ≥ 0; got {CodeUsageWeight}");
        Require(StartLearningRate > 0 && double.IsFinite(StartLearningRate), nameof(StartLearningRate), $"must be a finite number > 0; got {StartLearningRate}");
        Require(FinalLearningRate > 0 && double.IsFinite(FinalLearningRate), nameof(FinalLearningRate), $"must be a finite number > 0; got {FinalLearningRate}");
        Require(LearningRateSteps >= 0, nameof(LearningRateSteps), $"must be ≥ 0; got {LearningRateSteps}");
    }

    static void Require(bool ok, string field, string message)
    {
        if (!ok) throw new ArgumentException($"{nameof(DvaeSchedule)}.{field} {message}.", field);
    }
}
