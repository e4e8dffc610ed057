using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace Marketplace.Grpc.Tests;

/// <summary>
/// A hand-driven HTTP/2 client for what a well-behaved gRPC client never sends: bodies are
/// raw bytes written in chosen pieces (each piece flushed, so it travels as its own DATA frame).
/// </summary>
public sealed class RawHttp2 : IDisposable
{
    private readonly HttpMessageInvoker _invoker = new(new SocketsHttpHandler(), disposeHandler: true);

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
        string contentType = "application/grpc",
        Version? version = null,
        IDictionary<string, string>? headers = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server, path))
        {
            Version = version ?? HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new PiecesContent(pieces.ToList()),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.TE.ParseAdd("trailers");
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await _invoker.SendAsync(request, CancellationToken.None);
        byte[] body = await response.Content.ReadAsByteArrayAsync();
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

    public void Dispose() => _invoker.Dispose();

    private static string? Single(HttpHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.First() : null;

    private sealed class PiecesContent(List<byte[]> pieces) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            foreach (byte[] piece in pieces)
            {
                await stream.WriteAsync(piece, cancellationToken);
                await stream.FlushAsync(cancellationToken);
                if (pieces.Count > 1)
                {
                    await Task.Delay(30, cancellationToken);
                }
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}

/// <summary>What came back: HTTP status, status in headers (trailers-only) or trailers, and the body.</summary>
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

    public string Message => GrpcMessageEncoding.Decode(TrailerMessage ?? HeaderMessage);
}
