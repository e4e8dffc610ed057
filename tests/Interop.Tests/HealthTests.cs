using Grpc.Core;
using Grpc.Health.V1;
using Marketplace.Clients;
using Marketplace.Testing;
using Xunit;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Marketplace.Interop.Tests;

/// <summary>
/// gRPC health (grpc.health.v1.Health) of every service follows readiness, which follows Redis:
/// asked by grpc-js with the health.proto of the grpc-health-check package, and by the C# typed
/// client while Redis is stopped and started again.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class HealthTests(PlatformFixture platform)
{
    public static TheoryData<string> Services => PlatformServices.Names;

    [Theory]
    [MemberData(nameof(Services))]
    public async Task Grpc_js_gets_SERVING_for_the_server_and_NOT_FOUND_for_an_unknown_service(string name)
    {
        var result = await NodeScripts.RunAsync("health.js", platform[name].GrpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture));

        var server = result.GetProperty("server");
        Assert.True(server.GetProperty("code").GetInt32() == 0, server.ToString());
        Assert.Equal("SERVING", server.GetProperty("status").GetString());
        Assert.Equal((int)StatusCode.NotFound, result.GetProperty("unknown").GetProperty("code").GetInt32());
        Assert.Equal("SERVING", result.GetProperty("watch").GetProperty("status").GetString());
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task Health_is_NOT_SERVING_while_Redis_is_stopped_and_SERVING_again_once_it_is_back(string name)
    {
        // Its own Redis and service: stopping the shared one would take it from the other tests.
        await using var redis = await RedisServer.StartAsync();
        await using var host = await PlatformFixture.StartAsync(PlatformServices.Named(name), redis.ConnectionString);
        using var clients = TypedClients.For<Health.HealthClient>(host.GrpcAddress, TimeSpan.FromSeconds(10));
        var health = clients.Get<Health.HealthClient>();

        Assert.Equal(ServingStatus.Serving, await CheckAsync(health));

        await redis.StopAsync();
        Assert.Equal(ServingStatus.NotServing, await EventuallyAsync(health, ServingStatus.NotServing));

        await redis.StartAgainAsync();
        Assert.Equal(ServingStatus.Serving, await EventuallyAsync(health, ServingStatus.Serving));
    }

    private static async Task<ServingStatus> CheckAsync(Health.HealthClient health) =>
        (await health.CheckAsync(new HealthCheckRequest { Service = "" })).Status;

    /// <summary>Asks until Check answers <paramref name="expected"/> (or 30 s pass); returns the last answer.</summary>
    private static async Task<ServingStatus> EventuallyAsync(Health.HealthClient health, ServingStatus expected)
    {
        var status = await CheckAsync(health);
        await Wait.UntilAsync(async () => (status = await CheckAsync(health)) == expected, $"health is {expected}", TimeSpan.FromSeconds(30));
        return status;
    }
}
