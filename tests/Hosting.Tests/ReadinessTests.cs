using System.Net;
using Marketplace.Testing;
using Xunit;

namespace Marketplace.Hosting.Tests;

/// <summary>Liveness and readiness of a service, against a Redis of its own that the test stops and starts.</summary>
public sealed class ReadinessTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    [Fact]
    public async Task Readyz_turns_unready_when_Redis_stops_and_ready_again_when_it_returns()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var service = await ServiceHost.StartAsync("orders", redis.ConnectionString);

        Assert.Equal(HttpStatusCode.OK, await StatusOf(service, "/readyz"));

        await redis.StopAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await EventuallyAsync(service, "/readyz", HttpStatusCode.ServiceUnavailable));
        // Liveness does not depend on Redis: a restart would not help.
        Assert.Equal(HttpStatusCode.OK, await StatusOf(service, "/healthz"));

        await redis.StartAgainAsync();
        Assert.Equal(HttpStatusCode.OK, await EventuallyAsync(service, "/readyz", HttpStatusCode.OK));
    }

    [Fact]
    public async Task Health_endpoints_are_served_only_on_the_http_listener()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var service = await ServiceHost.StartAsync("orders", redis.ConnectionString);

        // The gRPC listener is HTTP/2 only: an HTTP/2 request for /readyz there is not routed to health.
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(service.GrpcAddress, "/readyz"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var response = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private static async Task<HttpStatusCode> StatusOf(ServiceHost service, string path)
    {
        using var response = await Http.GetAsync(new Uri(service.HttpAddress, path));
        return response.StatusCode;
    }

    /// <summary>Polls until the endpoint reports <paramref name="expected"/> (or 30 s pass) and returns the last status.</summary>
    private static async Task<HttpStatusCode> EventuallyAsync(ServiceHost service, string path, HttpStatusCode expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        HttpStatusCode status;
        do
        {
            status = await StatusOf(service, path);
            if (status == expected)
            {
                return status;
            }

            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);

        return status;
    }
}
