namespace DalleOrleans.Training.Tests;

[Collection(TrainedRunCollection.Name)]
public class EvalTests(TrainedRunFixture run)
{
    [Fact]
    public void WritesTheAccuracyTablesAndPsnrAsMarkdown()
    {
        string report = Path.Combine(run.Root, $"EVALUATION-{Guid.NewGuid():N}.md");
        var outcome = CliRunner.Run("eval", "--model", run.Model, "--candidates", "2", "--limit", "1", "--psnr-images", "4",
            "--out", report, "--progress", "Plain");
        Assert.True(outcome.ExitCode == 0, outcome.ToString());

        string md = File.ReadAllText(report);
        Assert.Contains("# Evaluation of tiny-train-test", md);
        Assert.Contains("| captions | pick | kind | colour | size | position | background | full match |", md);
        foreach (var row in new[] { "| seen (1) | reranked top-1 |", "| seen (1) | random candidate |", "| held-out (1) | reranked top-1 |", "| held-out (1) | random candidate |" })
            Assert.Contains(row, md);
        Assert.Contains("## Targets", md);
        Assert.Contains("| seen | 4 |", md);       // PSNR rows: split, image count
        Assert.Contains("| held-out | 4 |", md);
        // The first caption of each list, judged twice (top-1 and random).
        Assert.Equal(2, md.Split("| seen | red circle |").Length - 1);
        Assert.Equal(2, md.Split("| held-out | a green triangle |").Length - 1);
        Assert.Contains("| seen (1) | reranked top-1 |", outcome.Output);

        // The ceiling and the judge's own agreement: the first caption's true render is judged correctly by construction.
        Assert.Contains("## Ceiling, best-of-N and the judge", md);
        Assert.Contains("| seen | 1 | 100.0 % |", md);
        Assert.Contains("| held-out | 1 | 100.0 % |", md);
        Assert.Contains("## Shape kind confusion (reranked top-1)", md);
        Assert.Contains("## Named colours", md);
        Assert.Contains("| split | red | green | blue | yellow | purple | orange | white | black |", md);
    }

    [Fact]
    public void CaptionsBeyondTheFixedListAreDrawnFromTheGrammar()
    {
        string report = Path.Combine(run.Root, $"EVALUATION-{Guid.NewGuid():N}.md");
        var outcome = CliRunner.Run("eval", "--model", run.Model, "--candidates", "1", "--captions", "34", "--limit", "34", "--psnr-images", "2",
            "--out", report, "--progress", "Plain", "--seed", "5");
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        string md = File.ReadAllText(report);
        Assert.Contains("| seen (34) | reranked top-1 |", md);
        Assert.Contains("| held-out (34) | reranked top-1 |", md);
        // Caption 33 and 34 of each list are the first two grammar captions for seed 5.
        foreach (var split in new[] { Shapes.Split.Train, Shapes.Split.HeldOut })
            foreach (var caption in Shapes.EvaluationCaptions.Drawn(split, 2, seed: 5))
                Assert.Contains($" | {caption} | reranked top-1 |", md);
    }

    [Fact]
    public void BadOptionsExitWithTwo()
    {
        var outcome = CliRunner.Run("eval", "--model", run.Model, "--candidates", "0");
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("--candidates is 0", outcome.Error);
        outcome = CliRunner.Run("eval", "--model", run.Model, "--limit", "0");
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("--limit is 0", outcome.Error);
    }
}
