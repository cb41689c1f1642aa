using DalleOrleans.Shapes;
using DalleOrleans.Training.Training;

namespace DalleOrleans.Training.Tests;

/// <summary>
/// The reranker's round-trip filter keeps an image for its caption only when it shows what the caption names and its
/// hard negative does not. True renders stand in for round trips: the judge reads them exactly (EVALUATION.md: 100 %).
/// </summary>
public class FaithfulRoundTripTests
{
    const string Caption = "a large red circle on a white background";
    static readonly ShapeRenderer Renderer = new();

    static byte[] Render(string caption, int seed) =>
        Renderer.Render(SceneSampler.Draw(new Random(seed), Split.Train, CaptionParser.Parse(caption)));

    static byte[] Concat(params byte[][] images) => images.SelectMany(i => i).ToArray();

    [Fact]
    public void KeepsOnlyImagesThatShowTheirCaption()
    {
        string[] captions = [Caption, Caption, Caption];
        var images = Concat(Render(Caption, 1), Render("a large red square on a white background", 2), Render("a large blue circle on a white background", 3));

        var keep = FaithfulRoundTrips.Select(captions, images, decodedNegativeRgb: null, SceneGeometry.ImageSize);

        Assert.Equal([true, false, false], keep);   // a square and a blue circle are not "a large red circle"
    }

    [Fact]
    public void DropsAPairWhoseNegativeAlsoShowsTheCaption()
    {
        string[] captions = [Caption, Caption];
        var images = Concat(Render(Caption, 1), Render(Caption, 2));
        // The first negative lost its swap (it reads as the caption again); the second kept it.
        var negatives = Concat(Render(Caption, 3), Render("a large red triangle on a white background", 4));

        var keep = FaithfulRoundTrips.Select(captions, images, negatives, SceneGeometry.ImageSize);

        Assert.Equal([false, true], keep);
    }

    [Fact]
    public void RefusesImagesThatDoNotMatchTheCaptions()
    {
        var one = Render(Caption, 1);
        var tooFew = Assert.Throws<ArgumentException>(() => FaithfulRoundTrips.Select([Caption, Caption], one, null, SceneGeometry.ImageSize));
        Assert.Contains("expected 2 images", tooFew.Message);
        var negatives = Assert.Throws<ArgumentException>(() => FaithfulRoundTrips.Select([Caption], one, Concat(one, one), SceneGeometry.ImageSize));
        Assert.Contains("as many negatives", negatives.Message);
    }
}
