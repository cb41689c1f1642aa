namespace DalleOrleans.Shapes;

/// <summary>
/// Fixed captions for the evaluation command, written once with the grammar and frozen here as literals so
/// that later changes to the grammar or the random source cannot change what past results were measured on.
/// </summary>
/// <remarks>
/// Both lists name the colour and the shape in every caption (the evaluation is about that pair), and
/// between them each list names both sizes, all nine positions and all eight backgrounds; a few name only
/// the colour and shape. <see cref="Seen"/> uses eight training pairs that together cover every colour and
/// shape; <see cref="HeldOut"/> uses each held-out pair eight times. Parse a caption with
/// <see cref="CaptionParser.Parse"/> for the attributes to check with <see cref="AttributeJudge.Matches"/>.
/// </remarks>
public static class EvaluationCaptions
{
    /// <summary>Captions whose colour–shape pair occurs in training.</summary>
    public static IReadOnlyList<string> Seen { get; } =
    [
        "red circle",
        "small red circle",
        "a red circle in the top middle",
        "a large red circle in the bottom left",
        "a blue square on white",
        "a large blue square on a green background",
        "blue square at the left on an orange background",
        "a small blue square in the bottom right corner on a red background",
        "yellow triangle",
        "a large yellow triangle",
        "a yellow triangle on the right",
        "large yellow triangle at the top",
        "green square with a blue background",
        "small green square against an orange background",
        "a green square in the bottom middle on red",
        "a large green square on the left on purple",
        "a purple triangle",
        "a large purple triangle",
        "a purple triangle in the top left",
        "a small purple triangle on the right",
        "orange circle against a purple background",
        "a large orange circle on a red background",
        "an orange circle with a yellow background in the top right corner",
        "large orange circle on a black background at the bottom",
        "a white square",
        "a small white square",
        "a white square in the center",
        "large white square in the top left",
        "black circle on a red background",
        "a large black circle on yellow",
        "a black circle with a white background in the bottom left corner",
        "small black circle on blue in the top right",
    ];

    /// <summary>Captions that name a held-out colour–shape pair: the zero-shot test.</summary>
    public static IReadOnlyList<string> HeldOut { get; } =
    [
        "a green triangle",
        "a small green triangle",
        "a green triangle at the top",
        "a large green triangle in the bottom left",
        "green triangle on white",
        "large green triangle on blue",
        "a green triangle on the left against an orange background",
        "a small green triangle in the bottom right on a red background",
        "purple circle",
        "big purple circle",
        "purple circle on the right",
        "large purple circle at the top",
        "a purple circle with a green background",
        "small purple circle on orange",
        "purple circle at the bottom on a red background",
        "large purple circle on a yellow background at the left",
        "an orange square",
        "a big orange square",
        "orange square at the top left",
        "a small orange square on the right",
        "orange square on purple",
        "large orange square on red",
        "an orange square at the top right on a yellow background",
        "a large orange square in the bottom middle against a black background",
        "white triangle",
        "small white triangle",
        "white triangle in the center",
        "a large white triangle at the top left",
        "a white triangle against a red background",
        "a large white triangle on a yellow background",
        "a white triangle in the bottom left corner with a black background",
        "a small white triangle in the top right on a blue background",
    ];

    /// <summary>Captions per list that `eval` judges by default: the fixed list, then captions drawn from the grammar.</summary>
    public const int DefaultCount = 256;

    /// <summary>
    /// <paramref name="count"/> captions for <paramref name="split"/>: the fixed list first (cut to
    /// <paramref name="count"/>), then captions drawn from the grammar with <see cref="Drawn"/>.
    /// </summary>
    /// <remarks>Why both: 32 fixed captions give a standard error of about 8 points on a full-match rate; the drawn ones bring it to about 3 at 256.</remarks>
    public static IReadOnlyList<string> ForEvaluation(Split split, int count, int seed)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "count must be at least 1.");
        var fixedList = For(split).Take(count).ToList();
        return [.. fixedList, .. Drawn(split, count - fixedList.Count, seed)];
    }

    /// <summary>
    /// Captions drawn from the grammar for scenes of <paramref name="split"/>, each naming the colour and the kind
    /// (the pair the evaluation is about) and, as training captions do, the size, position and background each
    /// sometimes. A pure function of (split, count, seed).
    /// </summary>
    public static IReadOnlyList<string> Drawn(Split split, int count, int seed)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "count must be ≥ 0.");
        var rng = new Random(unchecked(seed * 7_919 + (split == Split.Train ? 17 : 29)));
        var captions = new List<string>(count);
        while (captions.Count < count)
        {
            var scene = SceneSampler.Draw(rng, split);
            var named = new CaptionAttributes(
                scene.Kind,
                scene.Color,
                rng.NextDouble() < ShapesDataset.SizeProbability ? scene.Size : null,
                rng.NextDouble() < ShapesDataset.PositionProbability ? scene.Position : null,
                rng.NextDouble() < ShapesDataset.BackgroundProbability ? scene.Background : null);
            captions.Add(CaptionWriter.Write(named, rng));
        }
        return captions;
    }

    /// <summary>The list for a split: <see cref="Seen"/> for <see cref="Split.Train"/>, <see cref="HeldOut"/> for <see cref="Split.HeldOut"/>.</summary>
    public static IReadOnlyList<string> For(Split split) => split switch
    {
        Split.Train => Seen,
        Split.HeldOut => HeldOut,
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, null),
    };
}
