using System.Net;
using System.Net.Http.Json;

namespace DalleOrleans.Web.Tests;

/// <summary>
/// A reader that drops its event stream mid-generation costs nothing: the server's stream handler ends, the
/// accepted generation still completes (it is not tied to the connection, so nothing accepted is lost), its device
/// rows are freed when it finishes, and a new reader gets the result.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class EventStreamDisconnectTests(WebAppFixture web)
{
    [Fact]
    public async Task DisconnectingMidStreamLeavesTheServerHealthyAndTheGenerationCompletes()
    {
        using var post = await web.Http.PostAsJsonAsync("/api/generations",
            new { prompt = "a green triangle at the top", candidates = 32, top = 2, seed = 909, guidance = 3 });
        var started = (await post.Content.ReadFromJsonAsync<GenerationDto>())!;

        for (int reader = 0; reader < 5; reader++)
        {
            // Each reader sees the first event, then hangs up without reading on.
            using var request = new HttpRequestMessage(HttpMethod.Get, started.Links.Events);
            using var response = await web.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var stream = await response.Content.ReadAsStreamAsync();
            var first = new byte[16];
            Assert.True(await stream.ReadAsync(first) > 0);
        }

        var done = await web.WaitForFinishAsync(started.Id);
        Assert.Equal("done", done.Status);
        Assert.Equal(2, done.Result!.Images.Count);

        using var again = new HttpRequestMessage(HttpMethod.Get, started.Links.Events);
        using var final = await web.Http.SendAsync(again, HttpCompletionOption.ResponseHeadersRead);
        var events = await SseReader.ReadAllAsync(await final.Content.ReadAsStreamAsync(), CancellationToken.None);
        Assert.Equal("done", events[^1].Name);

        var device = web.App.Services.GetService(typeof(DalleOrleans.Grains.Devices.DeviceHost)) as DalleOrleans.Grains.Devices.DeviceHost;
        var executor = device!.Executors.Single();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (executor.ActiveStreams + executor.QueuedStreams > 0 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Equal(0, executor.ActiveStreams + executor.QueuedStreams);
    }
}
