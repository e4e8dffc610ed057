using System.Buffers.Binary;
using System.Net;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Grpc.Core;
using Marketplace.Hosting.Identity;
using Marketplace.Hosting.Tests.Probe;
using Marketplace.Platform.Grpc;
using Marketplace.Testing;
using Microsoft.Extensions.Logging;
using Xunit;
using static Marketplace.Clients.PlatformClients;

namespace Marketplace.Hosting.Tests;

/// <summary>
/// The one place where what a handler throws becomes a status (the platform's status interceptor),
/// seen from a client over real HTTP/2: an unexpected exception is INTERNAL with a trace id and
/// nothing of the exception, and is logged with that trace id; a call whose deadline has passed
/// when it reaches the service is refused DEADLINE_EXCEEDED without running.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed partial class StatusInterceptorTests(RedisFixture redis)
{
    private static readonly string Bearer = TestIdentity.Bearer("probe-caller", CallerRole.Internal);

    [Fact]
    public async Task An_unexpected_exception_is_internal_with_a_trace_id_and_nothing_of_the_exception()
    {
        await using var probe = await ProbeHost.StartAsync(redis.ConnectionString);

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await probe.Client.FailAsync(new ProbeRequest { Text = "boom" }, Authorization(Bearer)));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
        var match = TraceIdMessage().Match(error.Status.Detail);
        Assert.True(match.Success, $"'{error.Status.Detail}' is not 'internal error (trace id <32 hex>)'");
        string everything = error.Status.Detail + string.Join("\n", error.Trailers.Select(t => t.Key + "=" + t.Value));
        Assert.DoesNotContain(ProbeApi.SecretDetail, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(nameof(InvalidOperationException), everything, StringComparison.Ordinal);
        Assert.Equal(1, probe.State.Runs);

        // Support finds the exception in the log by the trace id the client was given.
        string traceId = match.Groups["trace"].Value;
        var logged = Assert.Single(probe.Logs.Entries, e => e.Category == typeof(StatusInterceptor).FullName && e.Level == LogLevel.Error);
        Assert.Contains(traceId, logged.Message, StringComparison.Ordinal);
        Assert.Contains("Fail", logged.Message, StringComparison.Ordinal);
        Assert.Equal(ProbeApi.SecretDetail, logged.Exception?.Message);
    }

    [Fact]
    public async Task A_call_whose_deadline_passed_before_it_reached_the_service_is_refused_without_running()
    {
        await using var probe = await ProbeHost.StartAsync(redis.ConnectionString);

        // The same raw call with time to spare runs (and shows the raw call is well formed).
        var (inTime, _) = await RawCountAsync(probe.Host, grpcTimeout: "30S");
        Assert.Equal(StatusCode.OK, inTime);
        Assert.Equal(1, probe.State.Runs);

        // One microsecond: gone by the time the request is read. A .NET client would not even
        // send such a call, so it goes out as a hand-made HTTP/2 request.
        var (late, message) = await RawCountAsync(probe.Host, grpcTimeout: "1u");
        Assert.True(late == StatusCode.DeadlineExceeded, $"{late} {message}");
        Assert.Equal(1, probe.State.Runs);
    }

    [Fact]
    public async Task A_deadline_the_client_set_is_sent_and_a_call_within_it_runs()
    {
        await using var probe = await ProbeHost.StartAsync(redis.ConnectionString);

        var reply = await probe.Client.CountAsync(new ProbeRequest { Text = "in time" }, Authorization(Bearer), deadline: DateTime.UtcNow.AddSeconds(30));

        Assert.Equal("in time", reply.Text);
        Assert.Equal(1, reply.Runs);
    }

    /// <summary>
    /// <c>Count</c> as a hand-made gRPC request (HTTP/2 with prior knowledge, one framed message)
    /// carrying <c>grpc-timeout</c>; returns the status from the trailers, or from the headers
    /// when the answer is trailers-only.
    /// </summary>
    private static async Task<(StatusCode Status, string? Message)> RawCountAsync(ServiceHost host, string grpcTimeout)
    {
        byte[] payload = new ProbeRequest { Text = "raw" }.ToByteArray();
        byte[] frame = new byte[5 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);

        string path = $"/{ProbeService.Descriptor.FullName}/{nameof(ProbeService.ProbeServiceBase.Count)}";
        using var http = new HttpClient(new SocketsHttpHandler()) { Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(host.GrpcAddress, path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(frame),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        request.Headers.TryAddWithoutValidation("grpc-timeout", grpcTimeout);
        request.Headers.TryAddWithoutValidation("authorization", Bearer);

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        if (!response.Headers.TryGetValues("grpc-status", out var status))
        {
            await response.Content.ReadAsByteArrayAsync();
            status = response.TrailingHeaders.GetValues("grpc-status");
        }

        string? message = response.Headers.TryGetValues("grpc-message", out var m) || response.TrailingHeaders.TryGetValues("grpc-message", out m)
            ? Uri.UnescapeDataString(m.Single())
            : null;
        return ((StatusCode)int.Parse(status.Single(), System.Globalization.CultureInfo.InvariantCulture), message);
    }

    [GeneratedRegex("^internal error \\(trace id (?<trace>[0-9a-f]{32})\\)$")]
    private static partial Regex TraceIdMessage();
}
