using DalleOrleans.Shapes;

namespace DalleOrleans.Training.Training;

/// <summary>
/// Which dVAE round trips may stand for their caption when the reranker trains on decoded images.
/// </summary>
/// <remarks>
/// About half of the shipped dVAE's round trips lose an attribute the caption names (EVALUATION.md's ceiling: a
/// circle comes back as a blocky square, a small triangle as a blob). Training on those teaches the reranker that
/// such an image *is* a circle, the opposite of what it must learn to rank the transformer's candidates. A caption
/// keeps its round trip only when the <see cref="AttributeJudge"/> reads every attribute the caption names back from
/// it, and, when the step has a hard negative, does not read them all from the negative's round trip as well (the
/// swap must survive the dVAE to be a negative).
/// </remarks>
public static class FaithfulRoundTrips
{
    /// <summary>Per caption: true when its decoded image (and decoded negative, if any) may be trained on.</summary>
    /// <param name="captions">The batch's captions, one per image.</param>
    /// <param name="decodedRgb">The decoded images as side×side RGB bytes, one after another.</param>
    /// <param name="decodedNegativeRgb">The decoded hard negatives in the same layout, or null when the step has none.</param>
    public static bool[] Select(IReadOnlyList<string> captions, byte[] decodedRgb, byte[]? decodedNegativeRgb, int side)
    {
        int bytes = side * side * 3;
        if (decodedRgb.Length != captions.Count * bytes)
            throw new ArgumentException($"expected {captions.Count} images of {side}×{side}×3 bytes; got {decodedRgb.Length} bytes.", nameof(decodedRgb));
        if (decodedNegativeRgb is not null && decodedNegativeRgb.Length != decodedRgb.Length)
            throw new ArgumentException($"expected as many negatives as images ({decodedRgb.Length} bytes); got {decodedNegativeRgb.Length}.", nameof(decodedNegativeRgb));
        var keep = new bool[captions.Count];
        for (int i = 0; i < keep.Length; i++)
        {
            var named = CaptionParser.Parse(captions[i]);
            keep[i] = AttributeJudge.Matches(AttributeJudge.Judge(decodedRgb.AsSpan(i * bytes, bytes), side, side), named)
                      && (decodedNegativeRgb is null
                          || !AttributeJudge.Matches(AttributeJudge.Judge(decodedNegativeRgb.AsSpan(i * bytes, bytes), side, side), named));
        }
        return keep;
    }
}
