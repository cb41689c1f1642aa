using DalleOrleans.Abstractions;
using DalleOrleans.Grains;
using DalleOrleans.Model.Text;

namespace DalleOrleans.Web.Generations;

/// <summary>
/// A request outside a limit of the served model: the field, the limit and a message naming both (the API's 400 carries
/// all three). An <see cref="ArgumentException"/>, so every other edge that maps those to 400 handles it too.
/// </summary>
public sealed class ModelLimitException(string field, int limit, string message) : ArgumentException(message, field)
{
    public string Field { get; } = field;
    public int Limit { get; } = limit;
}

/// <summary>
/// Checks a request against the limits of the model the cluster serves, before anything is started, so bad input is a
/// 400 at POST time instead of a failed generation. The limits come from the cluster, not from constants here: the
/// directory's <see cref="DeviceInfo"/> publishes the image vocabulary (the top-k limit) and the text length (the
/// prompt limit), and a device's tokenizer counts the prompt's tokens. Every check throws an
/// <see cref="ArgumentException"/> whose message starts with the field's name.
/// </summary>
public sealed class RequestValidator(GenerationClient client, IGrainFactory grains)
{
    /// <summary>Validates and returns the request's fingerprint (the shared job's key).</summary>
    public async Task<string> ValidateAsync(GenerationRequest request)
    {
        // Before anything is sent: Orleans would silently turn a lone surrogate into U+FFFD.
        PromptText.Validate(request.Prompt, "prompt");
        var model = await client.ServedModelAsync();
        RequestFingerprint.ToImageRequest(request).Validate(model.ImageVocabSize);
        if (model.TextTokens > 0)
        {
            int tokens = await grains.GetGrain<IDeviceGrain>(model.Key).CountPromptTokens(request.Prompt);
            if (tokens > model.TextTokens)
                throw new ModelLimitException("prompt", model.TextTokens,
                    $"prompt is {tokens} tokens long; the model {model.ModelId} reads at most {model.TextTokens} tokens. Shorten it.");
        }
        return RequestFingerprint.Compute(request, model.ModelId);
    }
}
