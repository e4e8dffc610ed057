using System.Text;
using Google.Protobuf;
using Marketplace.Testing;
using Marketplace.Testing.Echo.V1;
using Xunit;

namespace Marketplace.Grpc.Tests;

/// <summary>A @grpc/grpc-js server (tests/interop/server.js) on a free port, with our channel to it.</summary>
public sealed class GrpcJsServerFixture : IAsyncLifetime
{
    public NodeProcess Node { get; private set; } = null!;

    public GrpcChannel Channel { get; private set; } = null!;

    public EchoClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Node = NodeProcess.Start("server.js", "0");
        string line = await Node.WaitForLineAsync("LISTENING ", TimeSpan.FromSeconds(30));
        Channel = GrpcChannel.ForAddress($"http://127.0.0.1:{line["LISTENING ".Length..].Trim()}");
        Client = new EchoClient(Channel);
    }

    public async Task DisposeAsync()
    {
        Channel.Dispose();
        await Node.DisposeAsync();
    }
}

/// <summary>Our client against an independent server (@grpc/grpc-js).</summary>
public sealed class GrpcJsServerInteropTests(GrpcJsServerFixture fixture) : IClassFixture<GrpcJsServerFixture>
{
    private EchoClient Client => fixture.Client;

    [Fact]
    public async Task Unary()
    {
        var reply = await Client.UnaryAsync(new EchoRequest { Message = "hello", Payload = ByteString.CopyFromUtf8("abc") });

        Assert.Equal(("hello", "abc"), (reply.Message, reply.Payload.ToStringUtf8()));
    }

    [Fact]
    public async Task Server_streaming()
    {
        using var call = Client.ServerStream(new EchoRequest { Count = 10 });
        var indexes = new List<int>();
        await foreach (var reply in call.ResponseStream.ReadAllAsync())
        {
            indexes.Add(reply.Index);
        }

        Assert.Equal(Enumerable.Range(0, 10), indexes);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Client_streaming()
    {
        using var call = Client.ClientStream();
        foreach (string word in new[] { "a", "b", "c" })
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Message = word, Payload = ByteString.CopyFrom(new byte[10]) });
        }

        await call.RequestStream.CompleteAsync();
        var reply = await call;

        Assert.Equal(("a,b,c", 30), (reply.Message, reply.Index));
    }

    [Fact]
    public async Task Bidirectional_streaming()
    {
        using var call = Client.Duplex();
        for (int i = 0; i < 5; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Message = $"m{i}" });
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal(($"m{i}", i), (call.ResponseStream.Current.Message, call.ResponseStream.Current.Index));
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
    }

    [Fact]
    public async Task Metadata_including_binary_both_ways()
    {
        byte[] binary = [0, 1, 2, 250, 255];
        using var call = Client.UnaryAsync(new EchoRequest(), new CallOptions(new Metadata().Add("x-meta-text", "plain value").Add("x-meta-data-bin", binary)));
        await call;

        var headers = await call.ResponseHeadersAsync;
        Assert.Equal("plain value", headers.GetValue("x-meta-text"));
        Assert.Equal(binary, headers.GetValueBytes("x-meta-data-bin"));
        Assert.Equal("plain value", call.GetTrailers().GetValue("x-trail-text"));
        Assert.Equal(binary, call.GetTrailers().GetValueBytes("x-trail-data-bin"));
    }

    [Fact]
    public async Task Deadline_is_sent_and_enforced()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await Client.UnaryAsync(new EchoRequest { Message = "deadline-ours", DelayMs = 30_000 }, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(2))));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        await fixture.Node.WaitForLineAsync("EVENT deadline-set:deadline-ours", TimeSpan.FromSeconds(15));
        await fixture.Node.WaitForLineAsync("EVENT ended:deadline-ours", TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task Cancellation_reaches_the_server()
    {
        using var cancel = new CancellationTokenSource();
        // x-meta-* makes the server send its headers first: once they arrive, the handler is running.
        var call = Client.UnaryAsync(
            new EchoRequest { Message = "cancel-ours", DelayMs = 30_000 },
            new CallOptions(new Metadata().Add("x-meta-sync", "1"), cancellationToken: cancel.Token));
        await call.ResponseHeadersAsync;
        cancel.Cancel();

        var error = await Assert.ThrowsAsync<RpcException>(async () => await call);
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        await fixture.Node.WaitForLineAsync("EVENT ended:cancel-ours", TimeSpan.FromSeconds(15));
        Assert.DoesNotContain("EVENT deadline-set:cancel-ours", fixture.Node.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Messages_near_the_limit_pass_and_over_it_are_RESOURCE_EXHAUSTED()
    {
        int size = (4 * 1024 * 1024) - 64;
        var reply = await Client.UnaryAsync(new EchoRequest { Payload = ByteString.CopyFrom(new byte[size]), ReplyPayloadSize = size });
        Assert.Equal(size, reply.Payload.Length);

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await Client.UnaryAsync(new EchoRequest { Payload = ByteString.CopyFrom(new byte[(4 * 1024 * 1024) + 1]) }));
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Error_status_with_non_ASCII_message()
    {
        const string detail = "Bewertung nicht gefunden – 評価 100% ✓";
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await Client.UnaryAsync(new EchoRequest { FailCode = (int)StatusCode.PermissionDenied, FailMessage = detail }));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Equal(detail, error.Status.Detail);
        Assert.Equal(Encoding.UTF8.GetBytes(detail), Encoding.UTF8.GetBytes(error.Status.Detail));
    }

    [Fact]
    public async Task Concurrent_calls_share_one_connection()
    {
        var replies = await Task.WhenAll(Enumerable.Range(0, 64)
            .Select(i => Client.UnaryAsync(new EchoRequest { Message = $"c{i}", DelayMs = 20 }).ResponseAsync));

        Assert.Equal(Enumerable.Range(0, 64).Select(i => $"c{i}"), replies.Select(r => r.Message));
        Assert.Single(replies.Select(r => r.ConnectionId).Distinct());
    }

    [Fact]
    public async Task Method_the_server_does_not_have_is_UNIMPLEMENTED()
    {
        var check = global::Grpc.Health.V1.HealthReflection.Descriptor.Services[0].FindMethodByName("Check");
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Channel.UnaryAsync<global::Grpc.Health.V1.HealthCheckRequest, global::Grpc.Health.V1.HealthCheckResponse>(check, new()));

        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }
}
