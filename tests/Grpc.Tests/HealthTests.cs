using Grpc.Health.V1;
using Xunit;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Marketplace.Grpc.Tests;

/// <summary>grpc.health.v1.Health answers from the readiness checks; each test has its own server (readiness is flipped).</summary>
public sealed class HealthTests : IAsyncLifetime
{
    private static readonly Google.Protobuf.Reflection.ServiceDescriptor Health = HealthReflection.Descriptor.Services[0];
    private EchoServer _server = null!;
    private GrpcChannel _channel = null!;

    public async Task InitializeAsync()
    {
        _server = await EchoServer.StartAsync();
        _channel = GrpcChannel.ForAddress(_server.Address);
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _server.DisposeAsync();
    }

    [Theory]
    [InlineData("")]
    [InlineData("marketplace.testing.v1.Echo")]
    [InlineData("grpc.health.v1.Health")]
    public async Task Check_follows_readiness_for_the_server_and_each_mapped_service(string service)
    {
        Assert.Equal(ServingStatus.Serving, await CheckAsync(service));

        _server.Ready = false;
        Assert.Equal(ServingStatus.NotServing, await CheckAsync(service));

        _server.Ready = true;
        Assert.Equal(ServingStatus.Serving, await CheckAsync(service));
    }

    [Fact]
    public async Task Check_of_an_unknown_service_is_NOT_FOUND()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => CheckAsync("no.such.Service"));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task Watch_sends_the_status_then_each_change()
    {
        using var call = _channel.ServerStreaming<HealthCheckRequest, HealthCheckResponse>(
            Health.FindMethodByName("Watch"), new HealthCheckRequest { Service = "marketplace.testing.v1.Echo" });
        var stream = call.ResponseStream;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        Assert.True(await stream.MoveNext(timeout.Token));
        Assert.Equal(ServingStatus.Serving, stream.Current.Status);

        _server.Ready = false;
        Assert.True(await stream.MoveNext(timeout.Token));
        Assert.Equal(ServingStatus.NotServing, stream.Current.Status);

        _server.Ready = true;
        Assert.True(await stream.MoveNext(timeout.Token));
        Assert.Equal(ServingStatus.Serving, stream.Current.Status);
    }

    [Fact]
    public async Task Watch_of_an_unknown_service_reports_SERVICE_UNKNOWN()
    {
        using var call = _channel.ServerStreaming<HealthCheckRequest, HealthCheckResponse>(
            Health.FindMethodByName("Watch"), new HealthCheckRequest { Service = "no.such.Service" });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        Assert.True(await call.ResponseStream.MoveNext(timeout.Token));
        Assert.Equal(ServingStatus.ServiceUnknown, call.ResponseStream.Current.Status);
    }

    [Fact]
    public async Task Shutdown_ends_Watch_with_NOT_SERVING_and_refuses_new_calls_with_UNAVAILABLE()
    {
        using var watch = _channel.ServerStreaming<HealthCheckRequest, HealthCheckResponse>(
            Health.FindMethodByName("Watch"), new HealthCheckRequest());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Assert.True(await watch.ResponseStream.MoveNext(timeout.Token));
        Assert.Equal(ServingStatus.Serving, watch.ResponseStream.Current.Status);

        _server.BeginShutdown();

        Assert.True(await watch.ResponseStream.MoveNext(timeout.Token));
        Assert.Equal(ServingStatus.NotServing, watch.ResponseStream.Current.Status);
        Assert.False(await watch.ResponseStream.MoveNext(timeout.Token));

        // Kestrel may already have closed the listener; either way the call is UNAVAILABLE.
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await new EchoClient(_channel).UnaryAsync(new Marketplace.Testing.Echo.V1.EchoRequest()));
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }

    private async Task<ServingStatus> CheckAsync(string service)
    {
        var response = await _channel.UnaryAsync<HealthCheckRequest, HealthCheckResponse>(
            Health.FindMethodByName("Check"), new HealthCheckRequest { Service = service });
        return response.Status;
    }
}
