using DalleOrleans.Shapes;

namespace DalleOrleans.Training.Evaluation;

/// <summary>
/// Accuracy per attribute over the captions that name it, and the full-match rate (every named attribute
/// agrees) over all captions.
/// </summary>
public sealed class AttributeTally
{
    public static readonly string[] Attributes = ["kind", "colour", "size", "position", "background"];

    readonly int[] _named = new int[Attributes.Length], _correct = new int[Attributes.Length];

    public int Captions { get; private set; }
    public int FullMatches { get; private set; }

    public void Add(AttributeAgreement agreement)
    {
        bool?[] values = [agreement.Kind, agreement.Color, agreement.Size, agreement.Position, agreement.Background];
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] is not { } ok) continue;
            _named[i]++;
            if (ok) _correct[i]++;
        }
        Captions++;
        if (agreement.All) FullMatches++;
    }

    /// <summary>(correct, named) for attribute <paramref name="index"/> of <see cref="Attributes"/>.</summary>
    public (int Correct, int Named) Attribute(int index) => (_correct[index], _named[index]);

    /// <summary>Full-match rate in percent (0 when nothing was judged).</summary>
    public double FullMatchPercent => Captions == 0 ? 0 : 100.0 * FullMatches / Captions;
}
