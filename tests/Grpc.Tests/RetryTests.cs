using Marketplace.Testing;
using Marketplace.Testing.Echo.V1;
using Xunit;

namespace Marketplace.Grpc.Tests;

/// <summary>The opt-in Polly retry: only unary calls marked idempotent, only on UNAVAILABLE.</summary>
public sealed class RetryTests(EchoServerFixture fixture) : IClassFixture<EchoServerFixture>
{
    [Fact]
    public async Task Idempotent_call_is_retried_until_the_server_comes_up()
    {
        // A port where nothing listens yet: the first attempts are UNAVAILABLE (connection refused).
        int port = FreePort.Next();
        var counting = new CountingHandler(new SocketsHttpHandler());
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}", new GrpcChannelOptions
        {
            UnavailableRetry = GrpcRetry.Unavailable(maxRetries: 20, firstDelay: TimeSpan.FromMilliseconds(50)),
            HttpHandler = counting,
        });
        var call = new EchoClient(channel).UnaryAsync(new EchoRequest { Message = "retried" }, new CallOptions(isIdempotent: true));
        while (counting.Failures == 0)
        {
            await Task.Delay(10);
        }

        await using var forwarder = TcpForwarder.Start(port, fixture.Server.Port);
        var reply = await call;

        Assert.Equal("retried", reply.Message);
        Assert.True(counting.Requests > 1, $"{counting.Requests} attempt(s)");
        Assert.True(forwarder.Accepted > 0);
    }

    [Fact]
    public async Task Call_not_marked_idempotent_is_not_retried()
    {
        var counting = new CountingHandler(new SocketsHttpHandler());
        using var channel = GrpcChannel.ForAddress(fixture.Server.Address, new GrpcChannelOptions
        {
            UnavailableRetry = GrpcRetry.Unavailable(maxRetries: 5, firstDelay: TimeSpan.FromMilliseconds(10)),
            HttpHandler = counting,
        });

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await new EchoClient(channel).UnaryAsync(new EchoRequest { FailCode = (int)StatusCode.Unavailable }));
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(1, counting.Requests);
    }

    [Fact]
    public async Task Other_statuses_are_not_retried()
    {
        var counting = new CountingHandler(new SocketsHttpHandler());
        using var channel = GrpcChannel.ForAddress(fixture.Server.Address, new GrpcChannelOptions
        {
            UnavailableRetry = GrpcRetry.Unavailable(maxRetries: 5, firstDelay: TimeSpan.FromMilliseconds(10)),
            HttpHandler = counting,
        });

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await new EchoClient(channel).UnaryAsync(new EchoRequest { FailCode = (int)StatusCode.Aborted }, new CallOptions(isIdempotent: true)));

        Assert.Equal(StatusCode.Aborted, error.StatusCode);
        Assert.Equal(1, counting.Requests);
    }

    [Fact]
    public async Task UNAVAILABLE_from_the_service_is_retried_when_idempotent()
    {
        var counting = new CountingHandler(new SocketsHttpHandler());
        using var channel = GrpcChannel.ForAddress(fixture.Server.Address, new GrpcChannelOptions
        {
            UnavailableRetry = GrpcRetry.Unavailable(maxRetries: 2, firstDelay: TimeSpan.FromMilliseconds(10)),
            HttpHandler = counting,
        });

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await new EchoClient(channel).UnaryAsync(new EchoRequest { FailCode = (int)StatusCode.Unavailable }, new CallOptions(isIdempotent: true)));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(3, counting.Requests);
    }

    private sealed class CountingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        private int _requests;
        private int _failures;

        public int Requests => _requests;

        /// <summary>Attempts that got no response at all (e.g. connection refused).</summary>
        public int Failures => _failures;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _requests);
            try
            {
                return await base.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException)
            {
                Interlocked.Increment(ref _failures);
                throw;
            }
        }
    }
}
