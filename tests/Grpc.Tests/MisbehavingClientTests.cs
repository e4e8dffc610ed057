using System.Net;
using System.Net.Sockets;
using System.Text;
using Marketplace.Testing.Echo.V1;
using Xunit;

namespace Marketplace.Grpc.Tests;

/// <summary>
/// Requests a well-behaved client never sends, over raw HTTP/2. Each gets the status the gRPC
/// specification gives it, and the server keeps answering normal calls afterwards.
/// </summary>
public sealed class MisbehavingClientTests(EchoServerFixture fixture) : IClassFixture<EchoServerFixture>, IDisposable
{
    private const string UnaryPath = "/marketplace.testing.v1.Echo/Unary";
    private const string ClientStreamPath = "/marketplace.testing.v1.Echo/ClientStream";
    private const string DuplexPath = "/marketplace.testing.v1.Echo/Duplex";
    private readonly RawHttp2 _raw = new();

    private static byte[] ValidFrame => RawHttp2.Frame(new EchoRequest { Message = "raw" });

    public void Dispose() => _raw.Dispose();

    [Fact]
    public async Task Wrong_content_type_is_HTTP_415_with_INTERNAL()
    {
        var response = await _raw.PostAsync(fixture.Server.Address, UnaryPath, [ValidFrame], contentType: "application/json");

        Assert.Equal(415, response.HttpStatus);
        Assert.Equal("13", response.HeaderStatus);
        await AssertServerStillAnswersAsync();
    }

    [Fact]
    public async Task HTTP_1_1_request_is_HTTP_426()
    {
        var http1 = new Uri($"http://127.0.0.1:{fixture.Server.Http1Port}");
        var response = await _raw.PostAsync(http1, UnaryPath, [ValidFrame], version: HttpVersion.Version11);

        Assert.Equal(426, response.HttpStatus);
        await AssertServerStillAnswersAsync();
    }

    [Fact]
    public async Task HTTP_1_1_bytes_on_the_HTTP_2_only_listener_are_refused_and_the_server_stays_up()
    {
        using (var socket = new TcpClient())
        {
            await socket.ConnectAsync(IPAddress.Loopback, fixture.Server.Port);
            var stream = socket.GetStream();
            byte[] request = Encoding.ASCII.GetBytes($"POST {UnaryPath} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/grpc\r\nContent-Length: 0\r\n\r\n");
            await stream.WriteAsync(request);
            var buffer = new byte[4096];
            int total = 0;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                int read;
                while ((read = await stream.ReadAsync(buffer.AsMemory(total), timeout.Token)) > 0 && total < buffer.Length)
                {
                    total += read;
                }
            }
            catch (IOException)
            {
                // Reset by the server: also a refusal.
            }

            // Kestrel refuses before any handler runs: HTTP/1.1 400 "sent to an HTTP/2 only endpoint".
            Assert.StartsWith("HTTP/1.1 400", Encoding.ASCII.GetString(buffer, 0, total), StringComparison.Ordinal);
        }

        await AssertServerStillAnswersAsync();
    }

    [Fact]
    public async Task Truncated_frame_is_INTERNAL()
    {
        byte[] frame = ValidFrame;
        var response = await _raw.PostAsync(fixture.Server.Address, UnaryPath, [frame[..^2]]);

        Assert.Equal(200, response.HttpStatus);
        Assert.Equal("13", response.GrpcStatus);
        await AssertServerStillAnswersAsync();
    }

    [Fact]
    public async Task Truncated_header_is_INTERNAL()
    {
        var response = await _raw.PostAsync(fixture.Server.Address, UnaryPath, [[0, 0, 0]]);

        Assert.Equal("13", response.GrpcStatus);
        await AssertServerStillAnswersAsync();
    }

    [Fact]
    public async Task Frame_split_across_DATA_frames_is_read_whole()
    {
        byte[] frame = RawHttp2.Frame(new EchoRequest { Message = "split across three pieces" });
        var response = await _raw.PostAsync(fixture.Server.Address, UnaryPath, [frame[..2], frame[2..7], frame[7..]]);

        Assert.Equal("0", response.TrailerStatus);
        Assert.Equal("split across three pieces", EchoReply.Parser.ParseFrom(response.Body.AsSpan(5).ToArray()).Message);
    }

    [Fact]
    public async Task Several_frames_in_one_DATA_frame_are_all_read_on_a_stream()
    {
        byte[] both = [.. RawHttp2.Frame(new EchoRequest { Message = "one" }), .. RawHttp2.Frame(new EchoRequest { Message = "two" })];
        var response = await _raw.PostAsync(fixture.Server.Address, DuplexPath, [both]);

        Assert.Equal("0", response.TrailerStatus);
        var first = EchoReply.Parser.ParseFrom(response.Body.AsSpan(5, response.Body[4]).ToArray());
        var second = EchoReply.Parser.ParseFrom(response.Body.AsSpan(10 + response.Body[4]).ToArray());
        Assert.Equal(("one", "two"), (first.Message, second.Message));
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("garbage")]
    [InlineData("oversize")]
    public async Task A_bad_frame_on_a_streaming_call_ends_it_with_its_status_and_the_server_stays_up(string kind)
    {
        byte[] bad = kind switch
        {
            "truncated" => ValidFrame[..^2],
            "garbage" => Encoding.ASCII.GetBytes("this is not a grpc frame at all"),
            _ => [0, .. RawHttp2.BigEndian(64 * 1024 * 1024), 1, 2, 3],
        };
        foreach (var path in new[] { ClientStreamPath, DuplexPath })
        {
            var response = await _raw.PostAsync(fixture.Server.Address, path, [ValidFrame, bad]);

            Assert.Equal(kind == "oversize" ? "8" : "13", response.GrpcStatus ?? response.TrailerStatus);
            await AssertServerStillAnswersAsync();
        }
    }

    [Fact]
    public async Task Two_messages_on_a_unary_call_are_INTERNAL()
    {
        var response = await _raw.PostAsync(fixture.Server.Address, UnaryPath, [[.. ValidFrame, .. ValidFrame]]);

        Assert.Equal("13", response.GrpcStatus);
        Assert.Contains("Additional data", response.Message, StringComparison.Ordinal);
        await AssertServerStillAnswersAsync();
    }

    [Fact]
    public async Task No_message_on_a_unary_call_is_UNIMPLEMENTED()
    {
        var response = await _raw.PostAsync(fixture.Server.Address, UnaryPath, []);

        Assert.Equal("12", response.GrpcStatus);
        await AssertServerStillAnswersAsync();
    }

    [Fact]
    public async Task Garbage_bytes_are_INTERNAL()
    {
        var response = await _raw.PostAsync(fixture.Server.Address, UnaryPath, [Encoding.ASCII.GetBytes("GET / HTTP/1.1 this is not grpc")]);

        Assert.Equal("13", response.GrpcStatus);
        await AssertServerStillAnswersAsync();
    }

    [Fact]
    public async Task Payload_that_is_not_a_protobuf_message_is_INTERNAL()
    {
        byte[] junk = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
        var response = await _raw.PostAsync(fixture.Server.Address, UnaryPath, [[0, .. RawHttp2.BigEndian(junk.Length), .. junk]]);

        Assert.Equal("13", response.GrpcStatus);
        await AssertServerStillAnswersAsync();
    }

    [Fact]
    public async Task Oversize_length_prefix_is_RESOURCE_EXHAUSTED_without_waiting_for_the_payload()
    {
        var response = await _raw.PostAsync(fixture.Server.Address, UnaryPath, [[0, .. RawHttp2.BigEndian(64 * 1024 * 1024), 1, 2, 3]]);

        Assert.Equal("8", response.GrpcStatus);
        await AssertServerStillAnswersAsync();
    }

    [Fact]
    public async Task Compressed_flag_without_grpc_encoding_is_INTERNAL()
    {
        byte[] frame = ValidFrame;
        frame[0] = 1;
        var response = await _raw.PostAsync(fixture.Server.Address, UnaryPath, [frame]);

        Assert.Equal("13", response.GrpcStatus);
        await AssertServerStillAnswersAsync();
    }

    [Fact]
    public async Task Compressed_message_in_an_unsupported_encoding_is_UNIMPLEMENTED_with_accepted_encodings()
    {
        byte[] frame = ValidFrame;
        frame[0] = 1;
        var response = await _raw.PostAsync(fixture.Server.Address, UnaryPath, [frame], headers: new Dictionary<string, string> { ["grpc-encoding"] = "snappy" });

        Assert.Equal("12", response.GrpcStatus);
        Assert.Equal("identity", response.AcceptEncoding);
        await AssertServerStillAnswersAsync();
    }

    [Theory]
    [InlineData("/marketplace.testing.v1.Echo/Nope")]
    [InlineData("/marketplace.testing.v1.Nothing/Unary")]
    [InlineData("/marketplace.testing.v1.echo/unary")]
    public async Task Unknown_service_or_method_is_UNIMPLEMENTED_trailers_only(string path)
    {
        var response = await _raw.PostAsync(fixture.Server.Address, path, [ValidFrame]);

        Assert.Equal(200, response.HttpStatus);
        Assert.Equal("12", response.HeaderStatus);
        Assert.Null(response.TrailerStatus);
        Assert.Empty(response.Body);
    }

    [Fact]
    public async Task Server_enforces_grpc_timeout_with_DEADLINE_EXCEEDED()
    {
        byte[] frame = RawHttp2.Frame(new EchoRequest { Message = "deadline-raw", DelayMs = 30_000 });
        var response = await _raw.PostAsync(fixture.Server.Address, UnaryPath, [frame], headers: new Dictionary<string, string> { ["grpc-timeout"] = "200m" });

        Assert.Equal("4", response.GrpcStatus);
        Assert.True(await fixture.Server.Observations.WaitForAsync("ended:deadline-raw"));
    }

    [Fact]
    public async Task Malformed_grpc_timeout_is_INTERNAL()
    {
        var response = await _raw.PostAsync(fixture.Server.Address, UnaryPath, [ValidFrame], headers: new Dictionary<string, string> { ["grpc-timeout"] = "12x" });

        Assert.Equal("13", response.GrpcStatus);
    }

    [Fact]
    public async Task Metadata_that_is_not_valid_base64_is_left_out_and_the_call_succeeds()
    {
        var response = await _raw.PostAsync(fixture.Server.Address, UnaryPath, [ValidFrame], headers: new Dictionary<string, string> { ["x-meta-broken-bin"] = "a" });

        Assert.Equal("0", response.TrailerStatus);
    }

    [Fact]
    public async Task Successful_unary_call_sends_headers_message_and_grpc_status_0_in_trailers()
    {
        var response = await _raw.PostAsync(fixture.Server.Address, UnaryPath, [ValidFrame]);

        Assert.Equal(200, response.HttpStatus);
        Assert.Null(response.HeaderStatus);
        Assert.Equal("0", response.TrailerStatus);
        Assert.Equal(0, response.Body[0]);
    }

    private async Task AssertServerStillAnswersAsync()
    {
        var reply = await fixture.Client.UnaryAsync(new EchoRequest { Message = "still here" });
        Assert.Equal("still here", reply.Message);
    }
}
