using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Google.Protobuf;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Marketplace.Grpc;

/// <summary>
/// The protocol work around every server call: request checks (HTTP/2, content type,
/// shutdown), the deadline, reading framed messages from the request PipeReader, writing
/// framed messages into the response PipeWriter, and ending with a status in trailers (or
/// trailers-only when nothing was sent).
/// </summary>
internal static class ServerCall
{
    private const string HandlerExceptionDetail = "Exception was thrown by handler.";

    /// <summary>Answers requests that cannot be gRPC calls. Returns false when the request was answered.</summary>
    public static bool Validate(HttpContext http, GrpcServerRuntime runtime)
    {
        var request = http.Request;
        if (!HttpProtocol.IsHttp2(request.Protocol))
        {
            Reject(http, StatusCodes.Status426UpgradeRequired, $"Request protocol '{request.Protocol}' is not supported.");
            return false;
        }

        string? contentType = request.ContentType;
        if (!GrpcProtocol.IsGrpcContentType(contentType))
        {
            Reject(http, StatusCodes.Status415UnsupportedMediaType, $"Content-Type '{contentType}' is not supported.");
            return false;
        }

        if (runtime.Stopping.IsCancellationRequested)
        {
            WriteTrailersOnly(http, new Status(StatusCode.Unavailable, "The server is shutting down."), null);
            return false;
        }

        return true;
    }

    /// <summary>The deadline from <c>grpc-timeout</c>; false when the header is malformed (the call was answered).</summary>
    public static bool TryGetTimeout(HttpContext http, out TimeSpan? timeout)
    {
        timeout = null;
        var header = http.Request.Headers.GrpcTimeout;
        if (header.Count == 0)
        {
            return true;
        }

        if (!GrpcTimeout.TryParse(header.ToString(), out var parsed))
        {
            WriteTrailersOnly(http, new Status(StatusCode.Internal, $"Error reading grpc-timeout value '{header}'."), null);
            return false;
        }

        timeout = parsed;
        return true;
    }

    public static void StartResponse(HttpContext http) => http.Response.Headers.ContentType = GrpcProtocol.ContentTypeValue;

    /// <summary>
    /// The fast path of a unary request: when the whole request body (one valid frame and the end
    /// of the stream) is already buffered, parses it without awaiting. Otherwise consumes nothing
    /// and returns false; <see cref="ReadSingleMessageAsync"/> then reads (and reports any error).
    /// </summary>
    public static bool TryReadBufferedSingleMessage<T>(HttpContext http, MessageParser<T> parser, int maxSize, out T message)
        where T : IMessage<T>
    {
        message = default!;
        var reader = http.Request.BodyReader;
        if (!reader.TryRead(out var result))
        {
            return false;
        }

        var buffer = result.Buffer;
        if (result.IsCompleted
            && MessageFraming.TryRead(ref buffer, maxSize, out var payload, out _) == FrameResult.Message
            && buffer.IsEmpty)
        {
            try
            {
                message = parser.ParseFrom(payload);
                reader.AdvanceTo(buffer.End);
                return true;
            }
            catch (InvalidProtocolBufferException)
            {
                // Reported by the slow path.
            }
        }

        reader.AdvanceTo(result.Buffer.Start);
        return false;
    }

    /// <summary>Reads the single request message of a unary or server-streaming call, and the end of the stream.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<T> ReadSingleMessageAsync<T>(HttpContext http, MessageParser<T> parser, int maxSize, CancellationToken cancellationToken)
        where T : IMessage<T>
    {
        var reader = http.Request.BodyReader;
        T? message = default;
        bool haveMessage = false;
        while (true)
        {
            ReadResult result;
            try
            {
                result = await reader.ReadAsync(cancellationToken);
            }
            catch (Exception e) when (e is IOException or ConnectionAbortedException && !cancellationToken.IsCancellationRequested)
            {
                throw RequestAborted();
            }

            var buffer = result.Buffer;
            if (!haveMessage)
            {
                var frame = MessageFraming.TryRead(ref buffer, maxSize, out var payload, out uint length);
                if (frame == FrameResult.Message)
                {
                    message = Parse(parser, payload);
                    haveMessage = true;
                }
                else if (frame != FrameResult.Incomplete)
                {
                    reader.AdvanceTo(buffer.Start);
                    throw FrameError(http, frame, length, maxSize);
                }
            }

            if (haveMessage && !buffer.IsEmpty)
            {
                reader.AdvanceTo(buffer.End);
                throw new RpcException(new Status(StatusCode.Internal, "Additional data after the message received."));
            }

            if (result.IsCompleted)
            {
                reader.AdvanceTo(buffer.End);
                if (haveMessage)
                {
                    return message!;
                }

                throw buffer.IsEmpty
                    ? new RpcException(new Status(StatusCode.Unimplemented, "Request did not contain a message."))
                    : new RpcException(new Status(StatusCode.Internal, "Incomplete message."));
            }

            if (result.IsCanceled)
            {
                throw new OperationCanceledException(cancellationToken);
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Reads the next message of a request stream; default at its clean end.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<(bool Ok, T? Message)> ReadNextMessageAsync<T>(HttpContext http, MessageParser<T> parser, int maxSize, CancellationToken cancellationToken)
        where T : IMessage<T>
    {
        var reader = http.Request.BodyReader;
        while (true)
        {
            ReadResult result;
            try
            {
                result = await reader.ReadAsync(cancellationToken);
            }
            catch (Exception e) when (e is IOException or ConnectionAbortedException && !cancellationToken.IsCancellationRequested)
            {
                throw RequestAborted();
            }

            var buffer = result.Buffer;
            var frame = MessageFraming.TryRead(ref buffer, maxSize, out var payload, out uint length);
            if (frame == FrameResult.Message)
            {
                T message = Parse(parser, payload);
                reader.AdvanceTo(buffer.Start);
                return (true, message);
            }

            if (frame != FrameResult.Incomplete)
            {
                reader.AdvanceTo(buffer.Start);
                throw FrameError(http, frame, length, maxSize);
            }

            if (result.IsCompleted)
            {
                bool clean = buffer.IsEmpty;
                reader.AdvanceTo(buffer.End);
                return clean ? (false, default) : throw new RpcException(new Status(StatusCode.Internal, "Incomplete message."));
            }

            if (result.IsCanceled)
            {
                throw new OperationCanceledException(cancellationToken);
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Serializes one response message straight into the response PipeWriter (not flushed).</summary>
    public static void WriteMessage(HttpContext http, ServerCallContext context, IMessage message, int? maxSize)
    {
        int size = message.CalculateSize();
        if (size > maxSize)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, "Sending message exceeds the maximum configured message size."));
        }

        MessageFraming.Write(http.Response.BodyWriter, message, size);
        context.MessageWritten = true;
    }

    /// <summary>Ends a call whose method returned normally.</summary>
    public static void Complete(HttpContext http, ServerCallContext context)
    {
        var trailers = context.HasResponseTrailers ? context.ResponseTrailers : null;
        if (context.MessageWritten || http.Response.HasStarted)
        {
            WriteTrailers(http, context.Status, trailers);
        }
        else
        {
            WriteTrailersOnly(http, context.Status, trailers);
        }
    }

    /// <summary>Turns what a call threw into its status, logging unexpected failures without sending their text.</summary>
    public static async Task FailAsync(HttpContext http, ServerCallContext? context, Exception exception, bool deadlineExceeded, GrpcServerRuntime runtime)
    {
        Status status;
        Metadata? trailers = context is { HasResponseTrailers: true } ? context.ResponseTrailers : null;
        if (deadlineExceeded)
        {
            status = new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded");
        }
        else if (http.RequestAborted.IsCancellationRequested)
        {
            // The client is gone (RST_STREAM or lost connection): nothing can reach it.
            runtime.Logger.LogDebug("gRPC call {Method} was cancelled by the client.", http.Request.Path.Value);
            return;
        }
        else if (exception is RpcException rpc)
        {
            status = rpc.Status;
            trailers = Merge(trailers, rpc.Trailers);
        }
        else if (exception is InvalidProtocolBufferException)
        {
            status = new Status(StatusCode.Internal, "Failed to deserialize request message.");
        }
        else
        {
            runtime.Logger.LogError(exception, "gRPC method {Method} threw an unhandled exception.", http.Request.Path.Value);
            status = new Status(StatusCode.Unknown, HandlerExceptionDetail);
        }

        if (context is { MessageWritten: true } || http.Response.HasStarted)
        {
            WriteTrailers(http, status, trailers);
        }
        else
        {
            WriteTrailersOnly(http, status, trailers);
        }

        if (deadlineExceeded)
        {
            // As grpc-dotnet: send the status, then reset the stream so the client stops sending.
            try
            {
                await http.Response.CompleteAsync();
            }
            catch (Exception e) when (e is IOException or ConnectionAbortedException or OperationCanceledException)
            {
                return;
            }

            try
            {
                http.Features.Get<IHttpResetFeature>()?.Reset(8); // CANCEL
            }
            catch (InvalidOperationException)
            {
                // The stream had already finished in both directions: nothing left to reset.
            }
        }
    }

    public static void WriteUnimplemented(HttpContext http) =>
        WriteTrailersOnly(http, new Status(StatusCode.Unimplemented, $"Method {http.Request.Path.Value} is unimplemented."), null);

    public static void WriteTrailersOnly(HttpContext http, Status status, Metadata? metadata)
    {
        var headers = http.Response.Headers;
        headers.ContentType = GrpcProtocol.ContentTypeValue;
        headers.GrpcStatus = GrpcProtocol.StatusValue(status.StatusCode);
        if (!string.IsNullOrEmpty(status.Detail))
        {
            headers.GrpcMessage = GrpcMessageEncoding.Encode(status.Detail);
        }

        AppendMetadata(headers, metadata);
    }

    private static void WriteTrailers(HttpContext http, Status status, Metadata? metadata)
    {
        var trailersFeature = http.Features.Get<IHttpResponseTrailersFeature>();
        if (trailersFeature is null)
        {
            return;
        }

        var trailers = trailersFeature.Trailers;
        trailers.GrpcStatus = GrpcProtocol.StatusValue(status.StatusCode);
        if (!string.IsNullOrEmpty(status.Detail))
        {
            trailers.GrpcMessage = GrpcMessageEncoding.Encode(status.Detail);
        }

        AppendMetadata(trailers, metadata);
    }

    private static void AppendMetadata(IHeaderDictionary headers, Metadata? metadata)
    {
        if (metadata is null)
        {
            return;
        }

        foreach (var entry in metadata)
        {
            headers.Append(entry.Key, entry.WireValue);
        }
    }

    private static Metadata? Merge(Metadata? first, Metadata second)
    {
        if (second.Count == 0)
        {
            return first;
        }

        if (first is null)
        {
            return second;
        }

        foreach (var entry in second)
        {
            first.Add(entry);
        }

        return first;
    }

    private static void Reject(HttpContext http, int httpStatus, string detail)
    {
        http.Response.StatusCode = httpStatus;
        WriteTrailersOnly(http, new Status(StatusCode.Internal, detail), null);
    }

    private static RpcException RequestAborted() => new(new Status(StatusCode.Cancelled, "The request stream was aborted."));

    private static T Parse<T>(MessageParser<T> parser, ReadOnlySequence<byte> payload)
        where T : IMessage<T>
    {
        try
        {
            return parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException)
        {
            throw new RpcException(new Status(StatusCode.Internal, "Failed to deserialize request message."));
        }
    }

    private static RpcException FrameError(HttpContext http, FrameResult frame, uint length, int maxSize) => frame switch
    {
        FrameResult.TooLarge => new RpcException(new Status(
            StatusCode.ResourceExhausted,
            $"Received message exceeds the maximum configured message size ({length} > {maxSize} bytes).")),
        FrameResult.Compressed => CompressedMessageError(http),
        _ => new RpcException(new Status(StatusCode.Internal, "Invalid compression flag in message header.")),
    };

    private static RpcException CompressedMessageError(HttpContext http)
    {
        string encoding = http.Request.Headers.GrpcEncoding.ToString();
        if (encoding.Length == 0 || encoding == GrpcProtocol.IdentityEncoding)
        {
            return new RpcException(new Status(StatusCode.Internal, "Request did not include grpc-encoding value with compressed message."));
        }

        http.Response.Headers.GrpcAcceptEncoding = GrpcProtocol.IdentityValue;
        return new RpcException(new Status(
            StatusCode.Unimplemented,
            $"Unsupported grpc-encoding value '{encoding}'. Supported encodings: {GrpcProtocol.IdentityEncoding}"));
    }
}
