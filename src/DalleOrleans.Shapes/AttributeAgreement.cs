namespace DalleOrleans.Shapes;

/// <summary>
/// Per-attribute agreement between a judged image and a caption: true or false for each attribute the
/// caption names, null for those it leaves out. The evaluation reports these separately.
/// </summary>
public sealed record AttributeAgreement(bool? Kind, bool? Color, bool? Size, bool? Position, bool? Background)
{
    /// <summary>Every named attribute agrees (true when nothing is named).</summary>
    public bool All => Kind != false && Color != false && Size != false && Position != false && Background != false;
}
