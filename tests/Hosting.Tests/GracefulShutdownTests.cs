using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Marketplace.Clients;
using Marketplace.Hosting.Identity;
using Marketplace.Hosting.Tests.Probe;
using Marketplace.Testing;
using Xunit;
using static Marketplace.Clients.PlatformClients;

namespace Marketplace.Hosting.Tests;

/// <summary>What SIGTERM does inside the service: the host stops, Kestrel stops accepting and lets running calls finish.</summary>
[Collection(RedisCollection.Name)]
public sealed class GracefulShutdownTests(RedisFixture redis)
{
    [Fact]
    public async Task A_call_in_flight_when_the_service_stops_finishes_and_new_calls_are_refused_unavailable()
    {
        await using var probe = await ProbeHost.StartAsync(redis.ConnectionString);
        var bearer = Authorization(TestIdentity.Bearer("probe-caller", CallerRole.Internal));
        var inFlight = probe.Client.HoldAsync(new ProbeRequest { Text = "drained" }, bearer).ResponseAsync;
        await probe.State.HoldEntered.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var stopping = probe.Host.App.StopAsync();
        await Wait.UntilAsync(async () => !await AcceptsConnectionsAsync(probe.Host.GrpcPort), "the gRPC listener stops accepting connections");
        // A new caller, on its own connection: the client that holds the call in flight keeps its
        // connection until Kestrel's GOAWAY reaches it, which comes just after the listener closed,
        // so a call on that connection may still be taken in between.
        using var newcomer = TypedClients.For<ProbeService.ProbeServiceClient>(probe.Host.GrpcAddress);
        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
            await newcomer.Get<ProbeService.ProbeServiceClient>().CountAsync(new ProbeRequest { Text = "too late" }, bearer));
        Assert.False(inFlight.IsCompleted, "the call in flight ended before it was released");

        probe.State.Release.SetResult();
        var reply = await inFlight;
        await stopping;

        Assert.Equal("drained", reply.Text);
        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        Assert.Equal(1, probe.State.Runs); // the refused call never ran
    }

    private static async Task<bool> AcceptsConnectionsAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
