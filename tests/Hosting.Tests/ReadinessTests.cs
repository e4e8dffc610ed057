using System.Net;
using Grpc.Health.V1;
using Marketplace.Clients;
using Marketplace.Orders;
using Marketplace.Orders.Api;
using Marketplace.Testing;
using Microsoft.AspNetCore.Builder;
using Xunit;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Marketplace.Hosting.Tests;

/// <summary>
/// Liveness and readiness of Orders against a Redis of its own that the test stops and starts:
/// <c>/readyz</c> and gRPC health (<c>grpc.health.v1.Health/Check</c> for the whole server) follow
/// Redis; <c>/healthz</c> does not (a restart would not help).
/// </summary>
public sealed class ReadinessTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task Readyz_and_grpc_health_turn_unready_when_Redis_stops_and_ready_again_when_it_returns()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var service = await StartOrdersAsync(redis);
        using var clients = TypedClients.For<Health.HealthClient>(service.GrpcAddress);
        var health = clients.Get<Health.HealthClient>();

        Assert.Equal(HttpStatusCode.OK, await StatusOf(service, "/readyz"));
        Assert.Equal(ServingStatus.Serving, await GrpcStatusOf(health));

        await redis.StopAsync();
        await Wait.UntilAsync(async () => await StatusOf(service, "/readyz") == HttpStatusCode.ServiceUnavailable, "/readyz answers 503");
        await Wait.UntilAsync(async () => await GrpcStatusOf(health) == ServingStatus.NotServing, "gRPC health answers NOT_SERVING");
        Assert.Equal(HttpStatusCode.OK, await StatusOf(service, "/healthz"));

        await redis.StartAgainAsync();
        await Wait.UntilAsync(async () => await StatusOf(service, "/readyz") == HttpStatusCode.OK, "/readyz answers 200 again");
        await Wait.UntilAsync(async () => await GrpcStatusOf(health) == ServingStatus.Serving, "gRPC health answers SERVING again");
    }

    [Fact]
    public async Task Grpc_health_of_an_unknown_service_name_is_not_found()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var service = await StartOrdersAsync(redis);
        using var clients = TypedClients.For<Health.HealthClient>(service.GrpcAddress);

        var error = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () =>
            await clients.Get<Health.HealthClient>().CheckAsync(new HealthCheckRequest { Service = "marketplace.nothing.v1.NoService" }));

        Assert.Equal(Grpc.Core.StatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task Health_endpoints_are_served_only_on_the_http_listener()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var service = await StartOrdersAsync(redis);

        // The gRPC listener is HTTP/2 only: an HTTP/2 request for /readyz there is not routed to health.
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(service.GrpcAddress, "/readyz"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var response = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, await StatusOf(service, "/readyz"));
    }

    private static Task<ServiceHost> StartOrdersAsync(RedisServer redis) =>
        ServiceHost.StartAsync("orders", redis.ConnectionString, b => b.AddOrders(), a => a.MapGrpcService<OrdersApi>());

    private static async Task<HttpStatusCode> StatusOf(ServiceHost service, string path)
    {
        using var response = await Http.GetAsync(new Uri(service.HttpAddress, path));
        return response.StatusCode;
    }

    private static async Task<ServingStatus> GrpcStatusOf(Health.HealthClient health) =>
        (await health.CheckAsync(new HealthCheckRequest { Service = "" }, deadline: DateTime.UtcNow.AddSeconds(10))).Status;
}
