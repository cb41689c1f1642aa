using DalleOrleans.Web.Hosting;

namespace DalleOrleans.Web.Tests;

/// <summary>The security and limit options: where the API key comes from, and their ranges.</summary>
public sealed class WebSecurityOptionsTests
{
    [Fact]
    public void TheApiKeyComesFromAFileOrTheEnvironmentNeverTheCommandLine()
    {
        Assert.Null(WebOptions.Parse(Array.Empty<string>()).ApiKey);
        var fromEnvironment = WebOptions.Parse(Array.Empty<string>(), name => name == WebOptions.ApiKeyVariable ? " env-key-0123456789abcdef\n" : null);
        Assert.Equal("env-key-0123456789abcdef", fromEnvironment.ApiKey);

        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "file-key-0123456789abcdef\n");
            Assert.Equal("file-key-0123456789abcdef", WebOptions.Parse(new[] { "--api-key-file", file }).ApiKey);
        }
        finally { File.Delete(file); }
        Assert.Contains("unknown option", Assert.Throws<ArgumentException>(() => WebOptions.Parse(new[] { "--api-key", "x" })).Message);
    }

    [Theory]
    [InlineData("--api-key-file=/nonexistent/key", "cannot read")]
    [InlineData("--rate-limit=-1", "between 0 and")]
    [InlineData("--rate-window=0", "between 1 and")]
    [InlineData("--max-body-bytes=100", "between 1024 and")]
    [InlineData("--max-queued=0", "between 1 and")]
    public void MistakesNameTheOption(string arg, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => WebOptions.Parse(new[] { arg }));
        Assert.Contains(arg.Split('=')[0], e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void AKeyFileMayHoldSeveralKeysOnePerLine()
    {
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "first-key-0123456789abc\n\nsecond-key-0123456789abc\n");
            var options = WebOptions.Parse(new[] { "--api-key-file", file });
            Assert.Equal(new[] { "first-key-0123456789abc", "second-key-0123456789abc" }, options.ApiKeys);
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void AnHttpsAddressNeedsACertificate()
    {
        var e = Assert.Throws<ArgumentException>(() => WebOptions.Parse(new[] { "--urls", "https://127.0.0.1:0" }));
        Assert.Contains("--tls-cert", e.Message);
        Assert.Contains("does not exist", Assert.Throws<ArgumentException>(() => WebOptions.Parse(new[] { "--tls-cert", "/nonexistent.pfx" })).Message);
    }

    [Fact]
    public void AShortKeyIsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => WebOptions.Parse(Array.Empty<string>(), _ => "short"));
        Assert.Contains("at least 16", e.Message);
    }

    [Fact]
    public void TheKeyCheckIsExact()
    {
        var check = new ApiKeyCheck("the-right-key-0123456789");
        Assert.True(check.Accepts("the-right-key-0123456789"));
        Assert.False(check.Accepts("the-right-key-012345678"));
        Assert.False(check.Accepts("THE-RIGHT-KEY-0123456789"));
        Assert.False(check.Accepts(null));
        Assert.True(new ApiKeyCheck((string?)null).Accepts(null));
    }
}
