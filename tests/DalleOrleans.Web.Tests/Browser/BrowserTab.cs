using System.Text.Json;

namespace DalleOrleans.Web.Tests.Browser;

/// <summary>One page target of the browser, driven through its DevTools session: navigate, evaluate, wait, screenshot.</summary>
public sealed class BrowserTab
{
    readonly DevToolsConnection _devTools;
    readonly string _session;

    BrowserTab(DevToolsConnection devTools, string session)
    {
        _devTools = devTools;
        _session = session;
    }

    public static async Task<BrowserTab> OpenAsync(DevToolsConnection devTools, int width, int height)
    {
        var target = await devTools.SendAsync("Target.createTarget", new { url = "about:blank" });
        var attached = await devTools.SendAsync("Target.attachToTarget", new { targetId = target.GetProperty("targetId").GetString(), flatten = true });
        var tab = new BrowserTab(devTools, attached.GetProperty("sessionId").GetString()!);
        await tab.SendAsync("Page.enable");
        await tab.SendAsync("Runtime.enable");
        await tab.SendAsync("Emulation.setDeviceMetricsOverride", new { width, height, deviceScaleFactor = 1, mobile = false });
        return tab;
    }

    public Task<JsonElement> SendAsync(string method, object? parameters = null) => _devTools.SendAsync(method, parameters, _session);

    public async Task NavigateAsync(Uri url)
    {
        var navigation = await SendAsync("Page.navigate", new { url = url.ToString() });
        if (navigation.TryGetProperty("errorText", out var error) && !string.IsNullOrEmpty(error.GetString()))
            throw new DevToolsException($"navigation to {url} failed: {error.GetString()}");
    }

    /// <summary>Evaluates a JavaScript expression (awaiting it when it is a promise) and returns its JSON value.</summary>
    public async Task<JsonElement> EvaluateAsync(string expression)
    {
        var reply = await SendAsync("Runtime.evaluate", new { expression, awaitPromise = true, returnByValue = true });
        if (reply.TryGetProperty("exceptionDetails", out var exception))
            throw new DevToolsException($"the page threw: {exception}\nwhile evaluating: {expression}");
        var result = reply.GetProperty("result");
        return result.TryGetProperty("value", out var value) ? value.Clone() : default;
    }

    /// <summary>Polls a boolean expression until it is true; on time-out the message says what was awaited and what the page showed.</summary>
    public async Task WaitUntilAsync(string condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await EvaluateAsync($"Boolean({condition})");
            if (value.ValueKind == JsonValueKind.True) return;
            if (DateTime.UtcNow > deadline)
            {
                var text = await EvaluateAsync("document.body ? document.body.innerText.slice(-2000) : ''");
                throw new TimeoutException($"waited {timeout.TotalSeconds} s for {what}; the page shows:\n{text}\npage errors: {string.Join("\n", _devTools.PageErrors)}");
            }
            await Task.Delay(100);
        }
    }

    public async Task<byte[]> ScreenshotAsync()
    {
        var shot = await SendAsync("Page.captureScreenshot", new { format = "png" });
        return Convert.FromBase64String(shot.GetProperty("data").GetString()!);
    }
}
