using System.Net;
using Grpc.Health.V1;
using Marketplace.Testing;
using Marketplace.Testing.Echo.V1;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Marketplace.Grpc.Tests;

/// <summary>
/// The layer inside a real platform service (MarketplaceService.Build, two listeners, Redis
/// readiness), as Orders/Reviews/Messaging/Scoring will use it.
/// </summary>
public sealed class PlatformServiceTests
{
    private static readonly Google.Protobuf.Reflection.MethodDescriptor Check = HealthReflection.Descriptor.Services[0].FindMethodByName("Check");

    [Fact]
    public async Task Grpc_health_follows_Redis_readiness()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var service = await StartAsync(redis);
        using var channel = GrpcChannel.ForAddress(service.GrpcAddress);

        Assert.Equal(ServingStatus.Serving, await CheckAsync(channel, ""));

        await redis.StopAsync();
        Assert.Equal(ServingStatus.NotServing, await EventuallyAsync(channel, ServingStatus.NotServing));

        await redis.StartAgainAsync();
        Assert.Equal(ServingStatus.Serving, await EventuallyAsync(channel, ServingStatus.Serving));
    }

    [Fact]
    public async Task Grpc_endpoints_answer_only_on_the_grpc_listener()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var service = await StartAsync(redis);
        using var channel = GrpcChannel.ForAddress(service.GrpcAddress);

        var reply = await new EchoClient(channel).UnaryAsync(new EchoRequest { Message = "on the grpc port" });
        Assert.Equal("on the grpc port", reply.Message);

        using var http = new HttpClient();
        using var content = new ByteArrayContent(RawHttp2.Frame(new EchoRequest()));
        content.Headers.ContentType = new("application/grpc");
        using var response = await http.PostAsync(new Uri(service.HttpAddress, "/marketplace.testing.v1.Echo/Unary"), content);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task A_call_in_flight_when_the_service_stops_finishes_and_new_calls_are_refused()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var service = await StartAsync(redis);
        using var channel = GrpcChannel.ForAddress(service.GrpcAddress);
        var client = new EchoClient(channel);
        var inFlight = client.UnaryAsync(new EchoRequest { Message = "drained", DelayMs = 1500 }, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(30)));
        Assert.True(await service.Services.GetRequiredService<EchoObservations>().WaitForAsync("deadline-set:drained"), "the call did not reach its handler");

        // What SIGTERM does: the host stops, Kestrel stops accepting and waits for running requests
        // (up to Platform:ShutdownTimeoutSeconds).
        var stopping = service.App.StopAsync();
        var reply = await inFlight;
        await stopping;

        Assert.Equal("drained", reply.Message);
        var refused = await Assert.ThrowsAsync<RpcException>(async () => await client.UnaryAsync(new EchoRequest { Message = "too late" }));
        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
    }

    private static Task<ServiceHost> StartAsync(RedisServer redis) => ServiceHost.StartAsync(
        "orders",
        redis.ConnectionString,
        builder =>
        {
            builder.Services.AddGrpcLayer();
            builder.Services.AddSingleton<EchoObservations>();
        },
        app =>
        {
            app.MapGrpcService<EchoService>(EchoServer.Service);
            app.MapGrpcHealth();
            app.MapGrpcReflection();
        });

    private static async Task<ServingStatus> CheckAsync(GrpcChannel channel, string service) =>
        (await channel.UnaryAsync<HealthCheckRequest, HealthCheckResponse>(Check, new HealthCheckRequest { Service = service })).Status;

    /// <summary>Polls until Check reports <paramref name="expected"/> (or 30 s pass) and returns the last status.</summary>
    private static async Task<ServingStatus> EventuallyAsync(GrpcChannel channel, ServingStatus expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        ServingStatus status;
        do
        {
            status = await CheckAsync(channel, "");
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
