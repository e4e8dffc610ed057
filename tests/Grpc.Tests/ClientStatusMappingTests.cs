using System.Net;
using Marketplace.Testing;
using Marketplace.Testing.Echo.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Marketplace.Grpc.Tests;

/// <summary>
/// How our client reads responses that are not well-formed gRPC: a plain HTTP/2 server
/// answers the echo paths with non-200 statuses, the wrong content type, missing trailers,
/// and a connection that goes away.
/// </summary>
public sealed class ClientStatusMappingTests : IAsyncLifetime
{
    private WebApplication _app = null!;
    private GrpcChannel _channel = null!;
    private EchoClient _client = null!;

    public async Task InitializeAsync()
    {
        int port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http2));
        _app = builder.Build();
        _app.MapPost("/marketplace.testing.v1.Echo/Unary", context =>
        {
            context.Response.StatusCode = int.Parse(context.Request.Headers["x-http-status"].ToString(), System.Globalization.CultureInfo.InvariantCulture);
            return Task.CompletedTask;
        });
        _app.MapPost("/marketplace.testing.v1.Echo/ServerStream", async context =>
        {
            context.Response.ContentType = "text/html";
            await context.Response.WriteAsync("<html>proxy error</html>");
        });
        _app.MapPost("/marketplace.testing.v1.Echo/Duplex", async context =>
        {
            // Headers, then silence: a server that never enforces the call's deadline.
            context.Response.ContentType = "application/grpc";
            await context.Response.StartAsync();
            await context.Response.Body.FlushAsync();
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        _app.MapPost("/marketplace.testing.v1.Echo/ClientStream", async context =>
        {
            // A message but no grpc-status at all.
            context.Response.ContentType = "application/grpc";
            await context.Response.Body.WriteAsync(RawHttp2.Frame(new EchoReply { Message = "x" }));
        });
        await _app.StartAsync();
        _channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        _client = new EchoClient(_channel);
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [Theory]
    [InlineData(400, StatusCode.Internal)]
    [InlineData(401, StatusCode.Unauthenticated)]
    [InlineData(403, StatusCode.PermissionDenied)]
    [InlineData(429, StatusCode.Unavailable)]
    [InlineData(500, StatusCode.Unknown)]
    [InlineData(502, StatusCode.Unavailable)]
    [InlineData(503, StatusCode.Unavailable)]
    [InlineData(504, StatusCode.Unavailable)]
    public async Task HTTP_status_without_grpc_status_maps_to_a_gRPC_status(int httpStatus, StatusCode expected)
    {
        var headers = new Metadata().Add("x-http-status", httpStatus.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var error = await Assert.ThrowsAsync<RpcException>(async () => await _client.UnaryAsync(new EchoRequest(), new CallOptions(headers)));

        Assert.Equal(expected, error.StatusCode);
        Assert.Contains(httpStatus.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Path_the_server_does_not_know_is_UNIMPLEMENTED_from_HTTP_404()
    {
        // The plain server maps only the echo paths: health's Check is a 404 there.
        var check = global::Grpc.Health.V1.HealthReflection.Descriptor.Services[0].FindMethodByName("Check");
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await _channel.UnaryAsync<global::Grpc.Health.V1.HealthCheckRequest, global::Grpc.Health.V1.HealthCheckResponse>(
                check, new global::Grpc.Health.V1.HealthCheckRequest()));

        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }

    [Fact]
    public async Task The_client_enforces_the_deadline_itself_when_the_server_stays_silent()
    {
        using var call = _client.Duplex(new CallOptions(deadline: DateTime.UtcNow.AddSeconds(2)));

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
    }

    [Fact]
    public async Task Disposing_a_call_that_has_a_deadline_reports_CANCELLED_not_DEADLINE_EXCEEDED()
    {
        var call = _client.Duplex(new CallOptions(deadline: DateTime.UtcNow.AddMinutes(5)));
        await call.ResponseHeadersAsync;

        call.Dispose();
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
    }

    [Fact]
    public async Task Response_that_is_not_application_grpc_is_INTERNAL()
    {
        using var call = _client.ServerStream(new EchoRequest());
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.Contains("content-type", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Response_without_grpc_status_is_INTERNAL()
    {
        using var call = _client.ClientStream();
        await call.RequestStream.CompleteAsync();
        var error = await Assert.ThrowsAsync<RpcException>(async () => await call);

        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.Contains("grpc-status", error.Status.Detail, StringComparison.Ordinal);
    }
}

/// <summary>A connection that drops in the middle of a call ends it with UNAVAILABLE.</summary>
public sealed class ConnectionLossTests(EchoServerFixture fixture) : IClassFixture<EchoServerFixture>
{
    [Fact]
    public async Task Lost_connection_during_a_stream_is_UNAVAILABLE()
    {
        int port = FreePort.Next();
        var forwarder = TcpForwarder.Start(port, fixture.Server.Port);
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        using var call = new EchoClient(channel).ServerStream(
            new EchoRequest { Message = "lost", Count = 1, DelayMs = 30_000 });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));

        await forwarder.DisposeAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }
}
