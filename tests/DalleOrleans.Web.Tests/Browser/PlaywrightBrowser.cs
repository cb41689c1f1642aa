using Microsoft.Playwright;

namespace DalleOrleans.Web.Tests.Browser;

/// <summary>
/// One headless Chromium for the browser tests, driven by Microsoft.Playwright: Debian's chromium package as the
/// executable (no browser download; the Playwright driver itself ships in the NuGet package). Chromium missing is a
/// failure with the install command, never a skip.
/// </summary>
public sealed class PlaywrightBrowser : IAsyncLifetime
{
    public const string Executable = "/usr/bin/chromium", InstallHint = "install it with: apt-get install -y chromium";

    IPlaywright? _playwright;
    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(Executable)) throw new Xunit.Sdk.XunitException($"Chromium was not found at {Executable}; {InstallHint}");
        // The installed browser is used; nothing may fetch Playwright's own builds.
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Executable,
            Headless = true,
            Args = ["--no-sandbox", "--disable-background-networking", "--disable-component-update"],
            Timeout = 30_000,
        });
    }

    /// <summary>A fresh context (its own storage) with a desktop or a phone viewport.</summary>
    public Task<IBrowserContext> NewContextAsync(Uri baseAddress, bool phone) => Browser.NewContextAsync(new BrowserNewContextOptions
    {
        BaseURL = baseAddress.ToString(),
        ViewportSize = phone ? new ViewportSize { Width = 390, Height = 844 } : new ViewportSize { Width = 1100, Height = 900 },
        IsMobile = phone,
        HasTouch = phone,
        DeviceScaleFactor = 1,
    });

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        _playwright?.Dispose();
    }
}
