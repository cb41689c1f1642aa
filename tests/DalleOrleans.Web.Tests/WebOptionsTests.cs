using DalleOrleans.Web.Hosting;

namespace DalleOrleans.Web.Tests;

public sealed class WebOptionsTests
{
    [Fact]
    public void DefaultsAreAnEmbeddedSiloOnLoopback()
    {
        var options = WebOptions.Parse(Array.Empty<string>());
        Assert.True(options.Embedded);
        Assert.Equal("models/shapes-v2", options.ModelPath);
        Assert.Equal("http://127.0.0.1:5080", options.Urls);
        Assert.Equal(("dalle", "dalle-orleans"), (options.ClusterId, options.ServiceId));
        Assert.Equal(16 * 1024, options.MaxBodyBytes);
    }

    [Fact]
    public void BothSpellingsOfAValueAreAccepted()
    {
        var options = WebOptions.Parse(new[] { "--cluster", "127.0.0.1:6390,abortConnect=false", "--urls=http://127.0.0.1:0", "--service-id", "svc", "--max-results=5" });
        Assert.False(options.Embedded);
        Assert.Equal("127.0.0.1:6390,abortConnect=false", options.Cluster);
        Assert.Equal("http://127.0.0.1:0", options.Urls);
        Assert.Equal("svc", options.ServiceId);
        Assert.Equal(5, options.MaxResults);
    }

    [Theory]
    [InlineData("--port", "unknown option")]
    [InlineData("--model", "needs a value")]
    [InlineData("--max-results=0", "between 1 and")]
    [InlineData("--max-running=lots", "whole number")]
    [InlineData("--cluster-id=", "must not be empty")]
    public void MistakesNameTheOption(string arg, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => WebOptions.Parse(new[] { arg }));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void AMissingModelFolderIsRefusedBeforeAnythingStarts()
    {
        var e = Assert.Throws<ArgumentException>(() => WebAppFactory.Build(new WebOptions { ModelPath = "/nonexistent/model" }));
        Assert.Contains("--model", e.Message);
    }
}
