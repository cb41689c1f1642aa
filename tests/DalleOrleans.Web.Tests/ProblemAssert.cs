using System.Net;
using System.Text.Json;

namespace DalleOrleans.Web.Tests;

/// <summary>Checks that a response is an RFC 7807 problem with the expected status, and returns it.</summary>
public static class ProblemAssert
{
    static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static async Task<ProblemDto> IsAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonSerializer.Deserialize<ProblemDto>(body, Options)!;
        Assert.Equal((int)expected, problem.Status);
        Assert.False(string.IsNullOrEmpty(problem.Title));
        return problem;
    }

    public static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}
