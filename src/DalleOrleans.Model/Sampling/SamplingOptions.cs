namespace DalleOrleans.Model.Sampling;

/// <summary>
/// How one candidate's image tokens are drawn. Defaults leave the distribution untouched.
/// </summary>
/// <param name="Temperature">Divides the logits; (0, 100].</param>
/// <param name="TopK">Keep only the k most likely tokens; 0 = off; at most the image vocabulary.</param>
/// <param name="TopP">Keep the smallest set of tokens whose probability reaches p; (0, 1]; 1 = off.</param>
/// <param name="GuidanceScale">Classifier-free guidance ("super-conditioning"): logits = uncond + s·(cond − uncond);
/// 1 = off (conditional logits only), [0, 20].</param>
public sealed record SamplingOptions(double Temperature = 1.0, int TopK = 0, double TopP = 1.0, double GuidanceScale = 1.0)
{
    public const double MaxTemperature = 100, MaxGuidance = 20;

    public bool UsesGuidance => GuidanceScale != 1.0;

    /// <summary>Throws <see cref="ArgumentException"/> naming the field and its allowed range.</summary>
    public void Validate(int imageVocabSize)
    {
        if (!double.IsFinite(Temperature) || Temperature <= 0 || Temperature > MaxTemperature)
            throw new ArgumentException($"temperature is {Temperature}; it must be a number in (0, {MaxTemperature}].", "temperature");
        if (TopK < 0 || TopK > imageVocabSize)
            throw new ArgumentException(imageVocabSize == int.MaxValue
                ? $"top-k is {TopK}; it must be 0 (off) or a positive number up to the model's image vocabulary size."
                : $"top-k is {TopK}; it must be between 0 (off) and the image vocabulary size {imageVocabSize}.", "topK");
        if (!double.IsFinite(TopP) || TopP <= 0 || TopP > 1)
            throw new ArgumentException($"top-p is {TopP}; it must be a number in (0, 1].", "topP");
        if (!double.IsFinite(GuidanceScale) || GuidanceScale < 0 || GuidanceScale > MaxGuidance)
            throw new ArgumentException($"guidance is {GuidanceScale}; it must be a number in [0, {MaxGuidance}] (1 = off).", "guidance");
    }
}
