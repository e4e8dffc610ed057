using System.Net;
using System.Net.Sockets;
using System.Text;
using Grpc.Core;
using Grpc.Health.V1;
using Marketplace.Hosting.Identity;
using Marketplace.Testing;
using Xunit;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Marketplace.Interop.Tests;

/// <summary>
/// Requests a well-behaved gRPC client never sends, over raw HTTP/2 (and raw TCP), to every
/// service. Each gets the status or HTTP answer that gRPC over HTTP/2 gives it (shared/GRPC.md),
/// as grpc-dotnet (Grpc.AspNetCore 2.85) on Kestrel actually answers it; where that differs from
/// GRPC.md the test says so in its name. Afterwards the service still answers: gRPC health
/// SERVING and a well-formed call reaches its handler.
/// Requests carry a valid bearer token unless the test is about authentication: authorization
/// runs before the request body is read, so a call without one never gets to its framing.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class MalformedRequestTests(PlatformFixture platform) : IDisposable
{
    private static readonly Dictionary<string, string> Authorized = new() { ["authorization"] = TestIdentity.Bearer("raw-client", CallerRole.Internal) };

    private readonly RawHttp2 _raw = new();

    public void Dispose() => _raw.Dispose();

    [Theory]
    [MemberData(nameof(Services))]
    public async Task A_well_formed_request_reaches_the_handler_which_answers_NOT_FOUND_trailers_only(string name)
    {
        var service = PlatformServices.Named(name);

        var response = await PostAsync(service, [Probe(service)]);

        Assert.Equal(200, response.HttpStatus);
        Assert.True(response.HeaderStatus == "5", response.ToString());
        Assert.Null(response.TrailerStatus);
        Assert.Contains(PlatformServices.UnknownId, response.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task A_frame_split_across_DATA_frames_is_read_whole(string name)
    {
        var service = PlatformServices.Named(name);
        byte[] frame = Probe(service);

        var response = await PostAsync(service, [frame[..2], frame[2..7], frame[7..]]);

        Assert.True(response.GrpcStatus == "5", response.ToString());
        Assert.Contains(PlatformServices.UnknownId, response.Message, StringComparison.Ordinal);
        await AssertStillServingAsync(service);
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task A_length_prefix_longer_than_the_body_is_INTERNAL(string name)
    {
        var service = PlatformServices.Named(name);
        byte[] payload = Probe(service)[5..];

        var response = await PostAsync(service, [[0, .. RawHttp2.BigEndian(payload.Length + 40), .. payload]]);

        AssertStatus(response, StatusCode.Internal, "Incomplete message");
        await AssertStillServingAsync(service);
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task A_truncated_message_is_INTERNAL(string name)
    {
        var service = PlatformServices.Named(name);

        var response = await PostAsync(service, [Probe(service)[..^3]]);

        AssertStatus(response, StatusCode.Internal, "Incomplete message");
        await AssertStillServingAsync(service);
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task A_truncated_frame_header_is_INTERNAL(string name)
    {
        var service = PlatformServices.Named(name);

        var response = await PostAsync(service, [[0, 0, 0]]);

        AssertStatus(response, StatusCode.Internal, "Incomplete message");
        await AssertStillServingAsync(service);
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task A_length_prefix_over_the_4_MiB_limit_is_RESOURCE_EXHAUSTED_without_waiting_for_the_payload(string name)
    {
        var service = PlatformServices.Named(name);

        var response = await PostAsync(service, [[0, .. RawHttp2.BigEndian(64 * 1024 * 1024), 1, 2, 3]]);

        AssertStatus(response, StatusCode.ResourceExhausted, "exceeds the maximum");
        await AssertStillServingAsync(service);
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task The_compressed_flag_without_grpc_encoding_is_INTERNAL(string name)
    {
        var service = PlatformServices.Named(name);
        byte[] frame = Probe(service);
        frame[0] = 1;

        var response = await PostAsync(service, [frame]);

        AssertStatus(response, StatusCode.Internal, "grpc-encoding");
        await AssertStillServingAsync(service);
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task A_message_compressed_in_an_unsupported_encoding_is_UNIMPLEMENTED_naming_the_accepted_ones(string name)
    {
        var service = PlatformServices.Named(name);
        byte[] frame = Probe(service);
        frame[0] = 1;

        var response = await PostAsync(service, [frame], new Dictionary<string, string> { ["grpc-encoding"] = "snappy" });

        AssertStatus(response, StatusCode.Unimplemented, "snappy");
        Assert.NotNull(response.AcceptEncoding);
        Assert.Contains("identity", response.AcceptEncoding, StringComparison.Ordinal);
        await AssertStillServingAsync(service);
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task Garbage_bytes_as_the_body_are_INTERNAL_naming_the_bad_compressed_flag(string name)
    {
        // The first byte, 'G' (71), is read as the compressed flag. Grpc.AspNetCore alone fails with
        // InvalidDataException and answers UNKNOWN ("Exception was thrown by handler."); the platform's
        // frame header check (FrameHeaderCheck) answers INTERNAL as GRPC.md says for a malformed frame.
        var service = PlatformServices.Named(name);

        var response = await PostAsync(service, [Encoding.ASCII.GetBytes("GET / HTTP/1.1 this is not grpc")]);

        AssertStatus(response, StatusCode.Internal, "the compressed-flag byte is 71, it must be 0 or 1");
        await AssertStillServingAsync(service);
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task A_compressed_flag_other_than_0_or_1_is_INTERNAL_when_the_header_is_split_across_DATA_frames(string name)
    {
        var service = PlatformServices.Named(name);
        byte[] frame = Probe(service);
        frame[0] = 2;

        // The flag byte in a DATA frame of its own, the rest in the next one.
        var response = await PostAsync(service, [frame[..1], frame[1..]]);

        AssertStatus(response, StatusCode.Internal, "the compressed-flag byte is 2, it must be 0 or 1");
        await AssertStillServingAsync(service);
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task A_length_prefix_above_2_to_the_31_is_RESOURCE_EXHAUSTED(string name)
    {
        // Grpc.AspNetCore alone throws IOException ("Message too large") for it, answered UNKNOWN.
        var service = PlatformServices.Named(name);

        var response = await PostAsync(service, [[0, 0xFF, 0xFF, 0xFF, 0xF0, 1, 2, 3]]);

        AssertStatus(response, StatusCode.ResourceExhausted, "exceeds the maximum");
        await AssertStillServingAsync(service);
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task A_payload_that_is_not_a_protobuf_message_is_INTERNAL_naming_the_message(string name)
    {
        // The message is parsed before any interceptor runs; Grpc.AspNetCore alone answers UNKNOWN
        // ("Exception was thrown by handler."), the platform's binder (ParseFailureAsInternal) INTERNAL as GRPC.md says.
        var service = PlatformServices.Named(name);
        byte[] junk = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];

        var response = await PostAsync(service, [[0, .. RawHttp2.BigEndian(junk.Length), .. junk]]);

        AssertStatus(response, StatusCode.Internal, $"the request is not a valid {service.ProbeRead.Descriptor.Name}");
        await AssertStillServingAsync(service);
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task Two_messages_on_a_unary_call_are_INTERNAL(string name)
    {
        var service = PlatformServices.Named(name);
        byte[] frame = Probe(service);

        var response = await PostAsync(service, [[.. frame, .. frame]]);

        AssertStatus(response, StatusCode.Internal, "Additional data");
        await AssertStillServingAsync(service);
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task No_message_on_a_unary_call_is_INTERNAL_where_GRPC_md_lists_UNIMPLEMENTED(string name)
    {
        var service = PlatformServices.Named(name);

        var response = await PostAsync(service, []);

        AssertStatus(response, StatusCode.Internal, "");
        await AssertStillServingAsync(service);
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task A_wrong_content_type_is_HTTP_415_with_INTERNAL_in_the_headers(string name)
    {
        var service = PlatformServices.Named(name);

        var response = await PostAsync(service, [Probe(service)], contentType: "application/json");

        Assert.True(response.HttpStatus == 415, response.ToString());
        Assert.Equal("13", response.HeaderStatus);
        Assert.Contains("application/json", response.Message, StringComparison.Ordinal);
        await AssertStillServingAsync(service);
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task A_malformed_body_without_a_token_is_UNAUTHENTICATED_because_authorization_comes_first(string name)
    {
        var service = PlatformServices.Named(name);

        var response = await _raw.PostAsync(platform[name].GrpcAddress, service.ProbePath, [[0, 0, 0]]);

        Assert.Equal(200, response.HttpStatus);
        Assert.True(response.HeaderStatus == "16", response.ToString());
        Assert.Contains("authorization", response.Message, StringComparison.Ordinal);
        await AssertStillServingAsync(service);
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task An_unknown_method_or_service_is_UNIMPLEMENTED_trailers_only(string name)
    {
        var service = PlatformServices.Named(name);
        string[] paths =
        [
            $"/{service.Descriptor.FullName}/NoSuchMethod",
            "/marketplace.nothing.v1.NoSuchService/Get",
        ];

        foreach (string path in paths)
        {
            var response = await _raw.PostAsync(platform[name].GrpcAddress, path, [Probe(service)], Authorized);

            Assert.Equal(200, response.HttpStatus);
            Assert.True(response.HeaderStatus == "12", $"{path}: {response}");
            Assert.Null(response.TrailerStatus);
            Assert.Empty(response.Body);
        }

        await AssertStillServingAsync(service);
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task A_path_in_other_letter_case_reaches_the_method_where_GRPC_md_says_paths_are_case_sensitive(string name)
    {
        // grpc-dotnet maps methods as ASP.NET Core routes, which match case-insensitively.
        var service = PlatformServices.Named(name);

        var response = await _raw.PostAsync(platform[name].GrpcAddress, service.ProbePath.ToLowerInvariant(), [Probe(service)], Authorized);

        Assert.True(response.GrpcStatus == "5", response.ToString());
        Assert.Contains(PlatformServices.UnknownId, response.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task A_malformed_grpc_timeout_is_ignored_and_the_call_runs_where_GRPC_md_expects_INTERNAL(string name)
    {
        var service = PlatformServices.Named(name);

        var response = await PostAsync(service, [Probe(service)], new Dictionary<string, string> { ["grpc-timeout"] = "12x" });

        Assert.True(response.GrpcStatus == "5", response.ToString());
        await AssertStillServingAsync(service);
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task A_stream_reset_mid_call_leaves_the_service_serving(string name)
    {
        var service = PlatformServices.Named(name);

        await _raw.ResetMidCallAsync(platform[name].GrpcAddress, service.ProbePath, Probe(service)[..4], Authorized);
        await _raw.ResetMidCallAsync(platform[name].GrpcAddress, service.ProbePath, Probe(service), Authorized);

        await AssertStillServingAsync(service);
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task A_gRPC_request_over_HTTP_1_1_on_the_HTTP_listener_is_404_where_GRPC_md_says_426(string name)
    {
        // The platform binds gRPC methods to the gRPC listener (Listeners.UseListenerRouting runs
        // before the gRPC endpoint), so grpc-dotnet's own 426 for HTTP/1.1 is never reached.
        var service = PlatformServices.Named(name);

        var response = await _raw.PostAsync(platform[name].HttpAddress, service.ProbePath, [Probe(service)], Authorized, version: HttpVersion.Version11);

        Assert.True(response.HttpStatus == 404, response.ToString());
        Assert.Null(response.GrpcStatus);
        await AssertStillServingAsync(service);
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task HTTP_1_1_bytes_on_the_HTTP_2_only_gRPC_listener_are_refused_before_any_handler(string name)
    {
        var service = PlatformServices.Named(name);
        string request = $"POST {service.ProbePath} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/grpc\r\nContent-Length: 0\r\n\r\n";

        string answer = await ExchangeRawAsync(platform[name].GrpcPort, Encoding.ASCII.GetBytes(request));

        // Kestrel answers HTTP/1.1 400 on an HTTP/2-only endpoint, or closes the connection.
        Assert.True(answer.Length == 0 || answer.StartsWith("HTTP/1.1 400", StringComparison.Ordinal), answer);
        Assert.DoesNotContain("grpc-status", answer, StringComparison.OrdinalIgnoreCase);
        await AssertStillServingAsync(service);
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task Garbage_instead_of_the_HTTP_2_preface_closes_the_connection(string name)
    {
        var service = PlatformServices.Named(name);
        byte[] garbage = [.. Enumerable.Range(0, 256).Select(i => (byte)(i * 37 + 11))];

        string answer = await ExchangeRawAsync(platform[name].GrpcPort, garbage);

        // Whatever Kestrel sends before closing (an HTTP/2 GOAWAY or nothing), it is not a response.
        Assert.DoesNotContain("grpc-status", answer, StringComparison.OrdinalIgnoreCase);
        await AssertStillServingAsync(service);
    }

    public static TheoryData<string> Services => PlatformServices.Names;

    private static byte[] Probe(PlatformService service) => RawHttp2.Frame(service.ProbeRead);

    private Task<RawResponse> PostAsync(PlatformService service, IEnumerable<byte[]> pieces, IDictionary<string, string>? headers = null, string contentType = "application/grpc")
    {
        var all = new Dictionary<string, string>(Authorized);
        foreach (var (key, value) in headers ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }

        return _raw.PostAsync(platform[service.Name].GrpcAddress, service.ProbePath, pieces, all, contentType);
    }

    private static void AssertStatus(RawResponse response, StatusCode expected, string messagePart)
    {
        Assert.True(response.HttpStatus == 200 && response.GrpcStatus == ((int)expected).ToString(System.Globalization.CultureInfo.InvariantCulture),
            $"expected {expected}: {response}");
        Assert.Contains(messagePart, response.Message, StringComparison.Ordinal);
    }

    /// <summary>Writes <paramref name="bytes"/> on a new TCP connection and reads until the server closes it.</summary>
    private static async Task<string> ExchangeRawAsync(int port, byte[] bytes)
    {
        using var socket = new TcpClient();
        await socket.ConnectAsync(IPAddress.Loopback, port);
        var stream = socket.GetStream();
        await stream.WriteAsync(bytes);
        var received = new MemoryStream();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                received.Write(buffer, 0, read);
            }
        }
        catch (IOException)
        {
            // Reset by the server: also a refusal.
        }

        return Encoding.Latin1.GetString(received.ToArray());
    }

    /// <summary>gRPC health says SERVING, and a well-formed call still reaches its handler.</summary>
    private async Task AssertStillServingAsync(PlatformService service)
    {
        var health = await platform.Health(service.Name).CheckAsync(new HealthCheckRequest());
        Assert.Equal(ServingStatus.Serving, health.Status);

        var response = await PostAsync(service, [Probe(service)]);
        Assert.True(response.GrpcStatus == "5", $"after the bad request, a well-formed one got {response}");
    }
}
