using DalleOrleans.Shapes;

namespace DalleOrleans.Training.Evaluation;

/// <summary>Which candidate of a caption's N was judged.</summary>
public enum CandidatePick { RerankedTop1, Random }

/// <summary>One judged image: the caption, which candidate, what the judge saw and how it agrees with the caption.</summary>
public sealed record CaptionVerdict(Split Split, string Caption, CandidatePick Pick, int Candidate, CaptionAttributes Named, JudgedScene Judged, AttributeAgreement Agreement);
