namespace DalleOrleans.Shapes;

/// <summary>One training or evaluation example: the scene to draw and the caption that describes it.</summary>
/// <param name="Named">
/// The attributes the caption names, with the scene's values; the others are null. Parsing
/// <paramref name="Caption"/> with <see cref="CaptionParser.Parse"/> gives exactly this.
/// </param>
public sealed record CaptionedSample(ShapeScene Scene, string Caption, CaptionAttributes Named);
