using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace Marketplace.Interop.Tests;

/// <summary>
/// A hand-driven HTTP/2 client for what a well-behaved gRPC client never sends: the body is raw
/// bytes written in chosen pieces (each flushed, so each travels as its own DATA frame), with
/// any content-type, headers and HTTP version.
/// </summary>
public sealed class RawHttp2 : IDisposable
{
    private readonly HttpMessageInvoker _invoker = new(new SocketsHttpHandler(), disposeHandler: true);

    /// <summary>A gRPC message frame: flag 0, 4-byte big-endian length, the serialized message.</summary>
    public static byte[] Frame(IMessage message)
    {
        byte[] payload = message.ToByteArray();
        return [0, .. BigEndian(payload.Length), .. payload];
    }

    public static byte[] BigEndian(int value) => [(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];

    /// <summary>POSTs <paramref name="pieces"/> to <paramref name="path"/> and reads the whole response.</summary>
    public async Task<RawResponse> PostAsync(
        Uri server,
        string path,
        IEnumerable<byte[]> pieces,
        IDictionary<string, string>? headers = null,
        string contentType = "application/grpc",
        Version? version = null)
    {
        using var request = Request(server, path, new PiecesContent(pieces.ToList(), holdOpen: null), headers, contentType, version);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await _invoker.SendAsync(request, timeout.Token);
        byte[] body = await response.Content.ReadAsByteArrayAsync(timeout.Token);
        return new RawResponse(
            (int)response.StatusCode,
            response.Version,
            Single(response.Headers, "grpc-status"),
            Single(response.Headers, "grpc-message"),
            Single(response.TrailingHeaders, "grpc-status"),
            Single(response.TrailingHeaders, "grpc-message"),
            Single(response.Headers, "grpc-accept-encoding"),
            body);
    }

    /// <summary>
    /// Sends the headers and <paramref name="first"/> as a DATA frame, then resets the stream
    /// (RST_STREAM CANCEL) without ending the request; returns once the reset has been sent.
    /// </summary>
    public async Task ResetMidCallAsync(Uri server, string path, byte[] first, IDictionary<string, string>? headers = null)
    {
        var sent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var request = Request(server, path, new PiecesContent([first], holdOpen: sent), headers, "application/grpc", null);
        using var cancel = new CancellationTokenSource();
        var call = _invoker.SendAsync(request, cancel.Token);
        await sent.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await cancel.CancelAsync();
        try
        {
            using var response = await call;
            using var read = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await response.Content.ReadAsByteArrayAsync(read.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or HttpRequestException or IOException)
        {
            // The reset ends the call on this side too.
        }
    }

    public void Dispose() => _invoker.Dispose();

    private static HttpRequestMessage Request(Uri server, string path, HttpContent content, IDictionary<string, string>? headers, string contentType, Version? version)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server, path))
        {
            Version = version ?? HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.TE.ParseAdd("trailers");
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    private static string? Single(HttpHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.First() : null;

    private sealed class PiecesContent(List<byte[]> pieces, TaskCompletionSource? holdOpen) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            foreach (byte[] piece in pieces)
            {
                await stream.WriteAsync(piece, cancellationToken);
                await stream.FlushAsync(cancellationToken);
            }

            if (holdOpen is not null)
            {
                // Never end the request: the caller resets the stream once this is signalled.
                holdOpen.TrySetResult();
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}

/// <summary>What came back: HTTP status, the status in headers (trailers-only) or trailers, and the body.</summary>
public sealed record RawResponse(
    int HttpStatus,
    Version Version,
    string? HeaderStatus,
    string? HeaderMessage,
    string? TrailerStatus,
    string? TrailerMessage,
    string? AcceptEncoding,
    byte[] Body)
{
    /// <summary>The gRPC status wherever the server put it.</summary>
    public string? GrpcStatus => TrailerStatus ?? HeaderStatus;

    /// <summary>grpc-message, percent-decoded (UTF-8).</summary>
    public string Message => Uri.UnescapeDataString(TrailerMessage ?? HeaderMessage ?? "");

    public override string ToString() =>
        $"HTTP {HttpStatus}, grpc-status {GrpcStatus ?? "none"} ({(TrailerStatus is null ? "headers" : "trailers")}), message '{Message}', {Body.Length} body bytes";
}
