using System.Text;
using Google.Protobuf;
using Marketplace.Testing.Echo.V1;
using Xunit;

namespace Marketplace.Grpc.Tests;

/// <summary>Our client against our server over real HTTP/2 on loopback: every call type and every way a call ends.</summary>
public sealed class ClientServerTests(EchoServerFixture fixture) : IClassFixture<EchoServerFixture>
{
    private EchoClient Client => fixture.Client;

    [Fact]
    public async Task Unary_call_returns_the_reply_and_an_OK_status()
    {
        using var call = Client.UnaryAsync(new EchoRequest { Message = "hello", Payload = ByteString.CopyFromUtf8("abc") });
        var reply = await call;

        Assert.Equal("hello", reply.Message);
        Assert.Equal("abc", reply.Payload.ToStringUtf8());
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Server_streaming_call_yields_every_message_in_order()
    {
        using var call = Client.ServerStream(new EchoRequest { Message = "s", Count = 25 });
        var indexes = new List<int>();
        await foreach (var reply in call.ResponseStream.ReadAllAsync())
        {
            indexes.Add(reply.Index);
        }

        Assert.Equal(Enumerable.Range(0, 25), indexes);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Client_streaming_call_sees_every_request_then_answers_once()
    {
        using var call = Client.ClientStream();
        foreach (string word in new[] { "a", "b", "c" })
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Message = word, Payload = ByteString.CopyFrom(new byte[10]) });
        }

        await call.RequestStream.CompleteAsync();
        var reply = await call;

        Assert.Equal("a,b,c", reply.Message);
        Assert.Equal(30, reply.Index);
    }

    [Fact]
    public async Task Duplex_call_answers_each_request_as_it_arrives()
    {
        using var call = Client.Duplex();
        for (int i = 0; i < 5; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Message = $"m{i}" });
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal($"m{i}", call.ResponseStream.Current.Message);
            Assert.Equal(i, call.ResponseStream.Current.Index);
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Metadata_travels_both_ways_including_binary_values()
    {
        byte[] binary = [0, 1, 2, 250, 255];
        var headers = new Metadata().Add("x-meta-text", "plain value").Add("x-meta-data-bin", binary);
        using var call = Client.UnaryAsync(new EchoRequest { Message = "m" }, new CallOptions(headers));
        await call;

        var responseHeaders = await call.ResponseHeadersAsync;
        Assert.Equal("plain value", responseHeaders.GetValue("x-meta-text"));
        Assert.Equal(binary, responseHeaders.GetValueBytes("x-meta-data-bin"));
        Assert.Equal("plain value", call.GetTrailers().GetValue("x-trail-text"));
        Assert.Equal(binary, call.GetTrailers().GetValueBytes("x-trail-data-bin"));
    }

    [Fact]
    public async Task Application_status_with_non_ASCII_message_reaches_the_client_intact()
    {
        const string detail = "Bewertung nicht gefunden – 評価 100% ✓";
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await Client.UnaryAsync(new EchoRequest { FailCode = (int)StatusCode.NotFound, FailMessage = detail }));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal(detail, error.Status.Detail);
    }

    [Fact]
    public async Task Unhandled_exception_becomes_UNKNOWN_without_its_text()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await Client.UnaryAsync(new EchoRequest { Message = EchoService.ThrowMessage }));

        Assert.Equal(StatusCode.Unknown, error.StatusCode);
        Assert.DoesNotContain("secret", error.Status.Detail, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Deadline_ends_the_call_with_DEADLINE_EXCEEDED_and_the_server_sees_it()
    {
        var request = new EchoRequest { Message = "deadline-ours", DelayMs = 30_000 };
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await Client.UnaryAsync(request, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(2))));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.True(await fixture.Server.Observations.WaitForAsync("deadline-set:deadline-ours"), "grpc-timeout did not reach the server");
        Assert.True(await fixture.Server.Observations.WaitForAsync("ended:deadline-ours"), "the handler was not cancelled");
    }

    [Fact]
    public async Task Deadline_already_passed_fails_without_a_request()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await Client.UnaryAsync(new EchoRequest(), new CallOptions(deadline: DateTime.UtcNow.AddSeconds(-1))));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
    }

    [Fact]
    public async Task Cancelling_a_call_reports_CANCELLED_and_cancels_the_handler()
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
        Assert.True(await fixture.Server.Observations.WaitForAsync("ended:cancel-ours"), "the handler was not cancelled");
        Assert.False(fixture.Server.Observations.Seen("deadline-set:cancel-ours"));
    }

    [Fact]
    public async Task Disposing_a_streaming_call_cancels_it_on_both_sides()
    {
        var call = Client.Duplex(new CallOptions(new Metadata().Add("x-meta-sync", "1")));
        await call.RequestStream.WriteAsync(new EchoRequest { Message = "dispose-ours", DelayMs = 30_000 });
        await call.ResponseHeadersAsync;

        call.Dispose();

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        await Assert.ThrowsAsync<RpcException>(() => call.RequestStream.WriteAsync(new EchoRequest()));
        Assert.True(await fixture.Server.Observations.WaitForAsync("ended:dispose-ours"), "the handler was not cancelled");
    }

    [Fact]
    public async Task Messages_just_under_the_4_MiB_limit_pass_both_ways()
    {
        int size = (4 * 1024 * 1024) - 64;
        var reply = await Client.UnaryAsync(new EchoRequest { Payload = ByteString.CopyFrom(new byte[size]), ReplyPayloadSize = size });

        Assert.Equal(size, reply.Payload.Length);
    }

    [Fact]
    public async Task Request_over_the_limit_is_RESOURCE_EXHAUSTED()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await Client.UnaryAsync(new EchoRequest { Payload = ByteString.CopyFrom(new byte[(4 * 1024 * 1024) + 1]) }));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Response_over_the_client_limit_is_RESOURCE_EXHAUSTED()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await Client.UnaryAsync(new EchoRequest { ReplyPayloadSize = (4 * 1024 * 1024) + 1 }));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Concurrent_calls_share_one_connection()
    {
        var calls = Enumerable.Range(0, 64)
            .Select(i => Client.UnaryAsync(new EchoRequest { Message = $"c{i}", DelayMs = 50 }).ResponseAsync)
            .ToList();
        var replies = await Task.WhenAll(calls);

        Assert.Equal(Enumerable.Range(0, 64).Select(i => $"c{i}"), replies.Select(r => r.Message));
        Assert.Single(replies.Select(r => r.ConnectionId).Distinct());
    }

    [Fact]
    public async Task Streaming_error_after_messages_arrives_in_trailers()
    {
        using var call = Client.ServerStream(new EchoRequest { Count = 3, FailCode = (int)StatusCode.Aborted, FailMessage = "stopped" });
        int received = 0;
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                received++;
            }
        });

        Assert.Equal(3, received);
        Assert.Equal(StatusCode.Aborted, error.StatusCode);
        Assert.Equal("stopped", error.Status.Detail);
    }

    [Fact]
    public async Task Call_to_a_closed_port_is_UNAVAILABLE()
    {
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{Marketplace.Testing.FreePort.Next()}");
        var error = await Assert.ThrowsAsync<RpcException>(async () => await new EchoClient(channel).UnaryAsync(new EchoRequest()));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }

    [Fact]
    public void Calling_a_method_with_the_wrong_shape_is_refused_before_sending()
    {
        var duplex = EchoServer.Service.FindMethodByName("Duplex");
        var error = Assert.Throws<ArgumentException>(() => fixture.Channel.UnaryAsync<EchoRequest, EchoReply>(duplex, new EchoRequest()));

        Assert.Contains("bidirectional", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Percent_and_control_characters_in_status_detail_survive()
    {
        string detail = "100% done\r\nnext line\tand \u00e9";
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await Client.UnaryAsync(new EchoRequest { FailCode = (int)StatusCode.FailedPrecondition, FailMessage = detail }));

        Assert.Equal(detail, error.Status.Detail);
        Assert.Equal(Encoding.UTF8.GetBytes(detail), Encoding.UTF8.GetBytes(error.Status.Detail));
    }
}
