using DalleOrleans.Shapes;

namespace DalleOrleans.Training.Evaluation;

/// <summary>
/// What the evaluation saw for one caption beyond the two judged picks: the ceiling (a true scene for the caption,
/// judged as rendered and after a dVAE round trip), best-of-N, the top-1's kind, and the named-colour pixel shares.
/// </summary>
/// <param name="TrueRenderMatch">The judge agrees with the caption on a true render of a scene it describes (the judge's own accuracy).</param>
/// <param name="RoundTripMatch">The judge agrees on that render encoded and decoded by the dVAE (the ceiling the transformer could reach).</param>
/// <param name="BestOfN">At least one of the N candidates fully matches.</param>
/// <param name="Top1Kind">The kind the judge read in the reranked top-1 (null: no shape found).</param>
/// <param name="Top1ColorShare">Share of the top-1's pixels within 24/255 of the caption's shape or background colour; null unless both are named.</param>
/// <param name="RoundTripColorShare">The same share on the round trip of the true scene.</param>
/// <param name="TrueColorShare">The same share on the true render (anti-aliased edges keep it just under 1).</param>
public sealed record CaptionOutcome(
    Split Split, string Caption, CaptionAttributes Named, bool TrueRenderMatch, bool RoundTripMatch, bool BestOfN,
    ShapeKind? Top1Kind, double? Top1ColorShare, double? RoundTripColorShare, double? TrueColorShare);
