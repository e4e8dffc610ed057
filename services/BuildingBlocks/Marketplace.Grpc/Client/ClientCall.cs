using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace Marketplace.Grpc;

/// <summary>
/// One call on the wire from the client side: sends the HTTP/2 request, reads the response
/// headers, framed messages and trailers, and turns every way a call can end (trailers,
/// trailers-only, a non-200 HTTP status, a reset stream, a lost connection, the local
/// deadline, cancellation) into a <see cref="Status"/>.
/// </summary>
internal sealed class ClientCall<TRequest, TResponse> : IClientCallState
    where TRequest : IMessage<TRequest>
    where TResponse : IMessage<TResponse>
{
    private static readonly MediaTypeHeaderValue GrpcContentType = new(GrpcProtocol.ContentType);
    private static readonly ProductInfoHeaderValue UserAgent = new("grpc-marketplace-dotnet", "1.0");

    private readonly GrpcChannel _channel;
    private readonly string _path;
    private readonly CallOptions _options;
    private readonly CancellationTokenSource _cancellation;
    private readonly CancellationTokenSource? _deadline;
    private readonly TaskCompletionSource<Metadata> _headers = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private HttpResponseMessage? _response;
    private PipeReader? _body;
    private Status? _status;
    private Metadata? _trailers;
    private bool _disposed;

    public ClientCall(GrpcChannel channel, string path, CallOptions options)
    {
        _channel = channel;
        _path = path;
        _options = options;
        // The deadline has its own source, so a failure says DEADLINE_EXCEEDED only when the
        // deadline really passed (not when the call was disposed or cancelled for another reason).
        if (options.Deadline is { } deadline && deadline != DateTime.MaxValue)
        {
            _deadline = new CancellationTokenSource();
            var remaining = deadline.ToUniversalTime() - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                _deadline.Cancel();
            }
            else if (remaining.TotalMilliseconds < int.MaxValue)
            {
                _deadline.CancelAfter(remaining);
            }
        }

        _cancellation = _deadline is null
            ? CancellationTokenSource.CreateLinkedTokenSource(options.CancellationToken)
            : CancellationTokenSource.CreateLinkedTokenSource(options.CancellationToken, _deadline.Token);

        // Observed so an unread failure is not reported as unobserved.
        _headers.Task.ContinueWith(static t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
    }

    public Task<Metadata> ResponseHeadersAsync => _headers.Task;

    private CancellationToken Token => _cancellation.Token;

    public Status GetStatus() => _status ?? throw new InvalidOperationException("The call has not finished yet.");

    public Metadata GetTrailers() => _trailers ?? throw new InvalidOperationException("The call has not finished yet.");

    /// <summary>Sends the request and waits for the response headers. Throws <see cref="RpcException"/>.</summary>
    public async Task StartAsync(HttpContent content)
    {
        try
        {
            if (Token.IsCancellationRequested)
            {
                throw new OperationCanceledException(Token);
            }

            using var request = CreateRequest(content);
            _response = await _channel.Invoker.SendAsync(request, Token);
            if (ReadStatusFromHeaders(_response) is { } early)
            {
                Finish(early.Status, early.Trailers);
                _headers.TrySetResult(early.Trailers);
                return;
            }

            _headers.TrySetResult(ReadMetadata(_response.Headers));
            _body = PipeReader.Create(await _response.Content.ReadAsStreamAsync(Token));
        }
        catch (Exception e)
        {
            throw Fail(e);
        }
    }

    /// <summary>Reads the next response message, or the final status at the end (throwing unless OK).</summary>
    public async Task<(bool Ok, TResponse? Message)> ReadNextAsync(MessageParser<TResponse> parser)
    {
        if (_status is { } finished)
        {
            return finished.StatusCode == StatusCode.OK ? (false, default) : throw new RpcException(finished, _trailers!);
        }

        if (_disposed)
        {
            throw Fail(new OperationCanceledException("The call was disposed."));
        }

        try
        {
            var body = _body!;
            while (true)
            {
                var result = await body.ReadAsync(Token);
                var buffer = result.Buffer;
                var frame = MessageFraming.TryRead(ref buffer, _channel.Options.MaxReceiveMessageSize, out var payload, out uint length);
                if (frame == FrameResult.Message)
                {
                    var message = ParseResponse(parser, payload);
                    body.AdvanceTo(buffer.Start);
                    return (true, message);
                }

                if (frame != FrameResult.Incomplete)
                {
                    body.AdvanceTo(buffer.Start);
                    throw new RpcException(frame == FrameResult.TooLarge
                        ? new Status(StatusCode.ResourceExhausted, $"Received message exceeds the maximum configured message size ({length} > {_channel.Options.MaxReceiveMessageSize} bytes).")
                        : new Status(StatusCode.Internal, "Compressed or malformed message in the response."));
                }

                if (result.IsCompleted)
                {
                    bool clean = buffer.IsEmpty;
                    body.AdvanceTo(buffer.End);
                    if (!clean)
                    {
                        throw new RpcException(new Status(StatusCode.Internal, "The response ended inside a message."));
                    }

                    var (status, trailers) = ReadStatusFromTrailers(_response!);
                    Finish(status, trailers);
                    return status.StatusCode == StatusCode.OK ? (false, default) : throw new RpcException(status, trailers);
                }

                body.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        catch (Exception e)
        {
            throw Fail(e);
        }
    }

    /// <summary>Reads exactly one response message and the OK status after it.</summary>
    public async Task<TResponse> ReadSingleAsync(MessageParser<TResponse> parser)
    {
        var (ok, message) = await ReadNextAsync(parser);
        if (!ok)
        {
            throw Fail(new RpcException(new Status(StatusCode.Internal, "Failed to deserialize response message: the response had no message.")));
        }

        var (more, _) = await ReadNextAsync(parser);
        if (more)
        {
            throw Fail(new RpcException(new Status(StatusCode.Internal, "The response had more than one message for a unary call.")));
        }

        return message!;
    }

    /// <summary>Frames <paramref name="message"/> into a new byte array (unary requests).</summary>
    public byte[] Frame(TRequest message)
    {
        int size = message.CalculateSize();
        CheckSendSize(size);
        var buffer = new ArrayBufferWriter<byte>(MessageFraming.HeaderSize + size);
        MessageFraming.Write(buffer, message, size);
        return buffer.WrittenSpan.ToArray();
    }

    public void CheckSendSize(int size)
    {
        if (size > _channel.Options.MaxSendMessageSize)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, "Sending message exceeds the maximum configured message size."));
        }
    }

    /// <summary>The exception ending the call, the same for every later reader.</summary>
    public RpcException Fail(Exception e)
    {
        if (_status is { StatusCode: not StatusCode.OK } known && e is not RpcException)
        {
            return new RpcException(known, _trailers!);
        }

        var status = e switch
        {
            _ when _deadline is { IsCancellationRequested: true } && !_options.CancellationToken.IsCancellationRequested
                => new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"),
            // Whatever fails once the caller disposed the call (a read, the request pump) was cancelled by it.
            _ when _options.CancellationToken.IsCancellationRequested || _disposed
                => new Status(StatusCode.Cancelled, "Call canceled by the client."),
            RpcException rpc => rpc.Status,
            HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.ProxyTunnelError } connect
                => new Status(StatusCode.Unavailable, $"Error connecting to the server: {connect.Message}"),
            HttpProtocolException { ErrorCode: 0x8 } => new Status(StatusCode.Cancelled, "The server cancelled the stream (RST_STREAM CANCEL)."),
            HttpProtocolException { ErrorCode: 0x7 } => new Status(StatusCode.Unavailable, "The server refused the stream (REFUSED_STREAM)."),
            HttpProtocolException protocol => new Status(StatusCode.Internal, $"HTTP/2 error {protocol.ErrorCode}: {protocol.Message}"),
            HttpRequestException or HttpIOException or IOException => new Status(StatusCode.Unavailable, $"The connection was lost: {e.Message}"),
            OperationCanceledException => new Status(StatusCode.Cancelled, "Call canceled."),
            _ => new Status(StatusCode.Internal, $"Client failure: {e.GetType().Name}: {e.Message}"),
        };
        var trailers = e is RpcException { Trailers: var t } ? t : _trailers ?? new Metadata();
        Finish(status, trailers);
        _headers.TrySetException(new RpcException(status, trailers));
        if (!_disposed)
        {
            // Stop the exchange (RST_STREAM) if the server is still sending.
            _cancellation.Cancel();
            _response?.Dispose();
        }

        return new RpcException(status, trailers);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_status is null)
        {
            _cancellation.Cancel();
        }

        _response?.Dispose();
        _cancellation.Dispose();
        _deadline?.Dispose();
    }

    /// <summary>The call's token (cancelled by the caller, the deadline or a failure); throws once the call is disposed.</summary>
    internal CancellationToken CallToken => _disposed ? throw Fail(new OperationCanceledException("The call was disposed.")) : Token;

    internal bool IsFinished => _status is not null;

    private void Finish(Status status, Metadata trailers)
    {
        if (_status is null)
        {
            _status = status;
            _trailers = trailers;
        }
    }

    private HttpRequestMessage CreateRequest(HttpContent content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_channel.Address, _path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        content.Headers.ContentType = GrpcContentType;
        var headers = request.Headers;
        headers.TE.ParseAdd("trailers");
        headers.UserAgent.Add(UserAgent);
        if (_deadline is not null)
        {
            var remaining = _options.Deadline!.Value.ToUniversalTime() - DateTime.UtcNow;
            headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcTimeout.Format(remaining));
        }

        if (_options.Headers is { } metadata)
        {
            foreach (var entry in metadata)
            {
                headers.TryAddWithoutValidation(entry.Key, entry.WireValue);
            }
        }

        return request;
    }

    private static (Status Status, Metadata Trailers)? ReadStatusFromHeaders(HttpResponseMessage response)
    {
        if (response.StatusCode != HttpStatusCode.OK)
        {
            int code = (int)response.StatusCode;
            return (new Status(GrpcProtocol.FromHttpStatus(code), $"Bad gRPC response. HTTP status code: {code}"), ReadMetadata(response.Headers));
        }

        if (response.Headers.Contains(GrpcProtocol.StatusHeader))
        {
            // Trailers-only: the status came in the headers.
            return (ParseStatus(response.Headers), ReadMetadata(response.Headers));
        }

        string? contentType = response.Content.Headers.ContentType?.ToString();
        if (!GrpcProtocol.IsGrpcContentType(contentType))
        {
            return (new Status(StatusCode.Internal, $"Bad gRPC response. Invalid content-type value: {contentType}"), ReadMetadata(response.Headers));
        }

        return null;
    }

    private static (Status Status, Metadata Trailers) ReadStatusFromTrailers(HttpResponseMessage response)
    {
        var trailers = response.TrailingHeaders;
        if (!trailers.Contains(GrpcProtocol.StatusHeader))
        {
            return (new Status(StatusCode.Internal, "No grpc-status found on response."), ReadMetadata(trailers));
        }

        return (ParseStatus(trailers), ReadMetadata(trailers));
    }

    private static Status ParseStatus(HttpHeaders headers)
    {
        string text = headers.GetValues(GrpcProtocol.StatusHeader).First();
        string detail = headers.TryGetValues(GrpcProtocol.MessageHeader, out var messages) ? GrpcMessageEncoding.Decode(messages.First()) : "";
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int code)
            ? new Status((StatusCode)code, detail)
            : new Status(StatusCode.Unknown, $"Invalid grpc-status '{text}'. {detail}");
    }

    private static Metadata ReadMetadata(HttpHeaders headers)
    {
        var metadata = new Metadata();
        foreach (var (name, values) in headers.NonValidated)
        {
            if (GrpcProtocol.IsReservedHeader(name) || !Metadata.IsValidKey(name))
            {
                continue;
            }

            bool binary = name.EndsWith(Metadata.BinaryHeaderSuffix, StringComparison.Ordinal);
            foreach (string value in values)
            {
                try
                {
                    if (!binary)
                    {
                        metadata.Add(new Metadata.Entry(name, value));
                        continue;
                    }

                    foreach (string part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                    {
                        metadata.Add(new Metadata.Entry(name, Metadata.DecodeBinary(part)));
                    }
                }
                catch (Exception e) when (e is FormatException or ArgumentException)
                {
                    // A header that is not valid metadata (e.g. bad base64) is left out, not fatal.
                }
            }
        }

        return metadata;
    }

    private static TResponse ParseResponse(MessageParser<TResponse> parser, ReadOnlySequence<byte> payload)
    {
        try
        {
            return parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException)
        {
            throw new RpcException(new Status(StatusCode.Internal, "Failed to deserialize response message."));
        }
    }
}
