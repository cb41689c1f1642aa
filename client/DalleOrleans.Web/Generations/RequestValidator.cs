using DalleOrleans.Abstractions;
using DalleOrleans.Grains;
using DalleOrleans.Model;
using DalleOrleans.Model.Text;
using DalleOrleans.Web.Hosting;

namespace DalleOrleans.Web.Generations;

/// <summary>
/// Checks a request before it reaches the cluster, so bad input is a 400 at POST time instead of a failed generation.
/// Every check throws an <see cref="ArgumentException"/> whose message starts with the field's name.
/// </summary>
/// <remarks>
/// The prompt's token length is the tokenizer's to judge. With an embedded silo the model folder is at hand, so its
/// vocabulary is loaded here and long prompts are refused up front; against a remote cluster the device reports it,
/// and the generation ends as "failed" with the same message.
/// </remarks>
public sealed class RequestValidator(TextTokenizer? tokenizer)
{
    public static RequestValidator For(WebOptions options)
    {
        string vocab = Path.Combine(options.ModelPath, ModelBundle.VocabFile);
        return new RequestValidator(options.Embedded && File.Exists(vocab) ? TextTokenizer.Load(vocab) : null);
    }

    public void Validate(GenerationRequest request)
    {
        // No model limit yet (int.MaxValue): top-k against the image vocabulary is checked by FingerprintAsync.
        RequestFingerprint.ToImageRequest(request).Validate(imageVocabSize: int.MaxValue);
        PromptText.Validate(request.Prompt, "prompt");
        if (tokenizer is not null)
        {
            try
            {
                tokenizer.Encode(request.Prompt);
            }
            catch (ArgumentException e) when (e.GetType() != typeof(ArgumentException))
            {
                // PromptTooLongException: report it as the plain ArgumentException every other check throws.
                throw new ArgumentException(e.Message, "prompt");
            }
        }
    }
}
