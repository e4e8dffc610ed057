using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Marketplace.Platform.Grpc;

/// <summary>
/// The headers of a gRPC request's message frames (GRPC.md: 1 byte compressed flag, 4 bytes
/// big-endian length) checked before Grpc.AspNetCore reads them. Grpc.AspNetCore throws a plain
/// exception for a compressed-flag byte other than 0 or 1 (<c>InvalidDataException</c>) and for a
/// length above 2^31 − 1 (<c>IOException</c>), and reports either like a handler's exception:
/// UNKNOWN, which a client cannot tell from a bug. Both happen before any marshaller or
/// interceptor, and it has no option for them, so the request body a gRPC method reads is wrapped
/// (the public <see cref="IRequestBodyPipeFeature"/>, as Grpc.AspNetCore's own gRPC-Web support
/// does) in a reader that ends such a call with the status GRPC.md gives it: a malformed frame is
/// INTERNAL, a message over the receive limit RESOURCE_EXHAUSTED. Grpc.AspNetCore ends a call whose
/// body reader throws an <see cref="RpcException"/> with that exception's status.
/// </summary>
public static class FrameHeaderCheck
{
    /// <summary>Wraps the request body of every call to a gRPC method in a <see cref="FrameHeaderReader"/>.</summary>
    public static IApplicationBuilder UseGrpcFrameHeaderCheck(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>() is not null
                && context.Features.Get<IRequestBodyPipeFeature>() is { } body)
            {
                context.Features.Set<IRequestBodyPipeFeature>(new CheckedBody(new FrameHeaderReader(body.Reader)));
            }

            return next(context);
        });

    private sealed class CheckedBody(PipeReader reader) : IRequestBodyPipeFeature
    {
        public PipeReader Reader => reader;
    }
}

/// <summary>
/// A request body reader that checks every message frame header as its bytes arrive (a header may
/// be split across reads, several frames may come in one) and throws an <see cref="RpcException"/>
/// for one that no gRPC message can have; everything else passes through unchanged.
/// </summary>
public sealed class FrameHeaderReader(PipeReader inner) : PipeReader
{
    private const int HeaderSize = 5;

    private ReadOnlySequence<byte> _buffer; // what the last read returned
    private long _bufferStart;              // offset in the body of that buffer's first byte
    private long _nextHeader;               // offset in the body of the next frame header

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        var result = await inner.ReadAsync(cancellationToken);
        Check(result.Buffer);
        return result;
    }

    public override bool TryRead(out ReadResult result)
    {
        if (!inner.TryRead(out result))
        {
            return false;
        }

        Check(result.Buffer);
        return true;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        _bufferStart += _buffer.Slice(_buffer.Start, consumed).Length;
        _buffer = default;
        inner.AdvanceTo(consumed, examined);
    }

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

    private void Check(ReadOnlySequence<byte> buffer)
    {
        _buffer = buffer;
        long end = _bufferStart + buffer.Length;
        Span<byte> bytes = stackalloc byte[HeaderSize];
        while (_nextHeader < end)
        {
            var header = buffer.Slice(_nextHeader - _bufferStart);
            byte flag = header.FirstSpan[0];
            if (flag > 1)
            {
                Refuse(buffer, StatusCode.Internal, $"malformed gRPC message frame: the compressed-flag byte is {flag}, it must be 0 or 1");
            }

            if (header.Length < HeaderSize)
            {
                return; // the length arrives with a later read
            }

            header.Slice(0, HeaderSize).CopyTo(bytes);
            uint length = BinaryPrimitives.ReadUInt32BigEndian(bytes[1..]);
            if (length > int.MaxValue)
            {
                Refuse(buffer, StatusCode.ResourceExhausted, $"the message length {length} exceeds the maximum receive message size");
            }

            _nextHeader += HeaderSize + length;
        }
    }

    /// <summary>Hands the read back unconsumed and ends the call with <paramref name="code"/>.</summary>
    private void Refuse(ReadOnlySequence<byte> buffer, StatusCode code, string message)
    {
        inner.AdvanceTo(buffer.Start, buffer.End);
        _buffer = default;
        throw new RpcException(new Status(code, message));
    }
}
