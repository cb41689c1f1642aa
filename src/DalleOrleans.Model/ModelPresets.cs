using DalleOrleans.Model.Dvae;
using DalleOrleans.Model.Reranker;
using DalleOrleans.Model.Text;
using DalleOrleans.Model.Transformer;

namespace DalleOrleans.Model;

/// <summary>Named configurations: a tiny random model for tests and smoke runs (16×16 images, 4×4 tokens).</summary>
public static class ModelPresets
{
    public static readonly string[] TinyCaptions =
    {
        "a large red circle in the top left on a blue background", "small green square at the bottom",
        "a yellow triangle", "blue circle on black", "an orange square in the center",
    };

    public static ModelConfig Tiny(TextTokenizer tokenizer, string modelId = "tiny-test") => new()
    {
        ModelId = modelId,
        Dvae = new DvaeConfig { ImageSize = 16, Groups = 3, HiddenWidth = 8, CodebookSize = 16, DecoderInputWidth = 16 },
        Transformer = new TransformerConfig
        {
            TextVocabSize = tokenizer.VocabSize, TextLength = tokenizer.MaxLength, ImageVocabSize = 16, GridSize = 4,
            ModelDim = 32, Heads = 4, Layers = 4, Attention = TransformerConfig.DefaultPattern(4),
        },
        Reranker = new RerankerConfig
        {
            TextVocabSize = tokenizer.VocabSize, TextLength = tokenizer.MaxLength, EmbedDim = 16, TextWidth = 16, TextLayers = 1,
            TextHeads = 2, ImageSize = 16, ImageWidth = 8, ImageStages = 2, ImageNormGroups = 4,
        },
    };

    /// <summary>A randomly initialised tiny model; the same seed gives the same weights.</summary>
    public static ModelBundle CreateTiny(long seed = 0, string modelId = "tiny-test", TorchSharp.torch.Device? device = null)
    {
        var tokenizer = TextTokenizer.Build(TinyCaptions, maxLength: 16);
        return ModelBundle.CreateRandom(Tiny(tokenizer, modelId), tokenizer, device, seed);
    }
}
