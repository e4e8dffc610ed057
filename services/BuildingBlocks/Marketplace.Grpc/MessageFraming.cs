using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;

namespace Marketplace.Grpc;

/// <summary>What <see cref="MessageFraming.TryRead"/> found at the start of a buffer.</summary>
internal enum FrameResult
{
    /// <summary>A whole message; the buffer was advanced past it.</summary>
    Message,

    /// <summary>Not enough bytes yet for the header or the payload.</summary>
    Incomplete,

    /// <summary>The length prefix is over the receive limit.</summary>
    TooLarge,

    /// <summary>The compressed flag is 1 (this layer only speaks <c>identity</c>).</summary>
    Compressed,

    /// <summary>The compressed flag is neither 0 nor 1.</summary>
    InvalidFlag,
}

/// <summary>
/// The gRPC length-prefixed message: 1 byte compressed flag, 4 bytes big-endian length,
/// payload. Reads parse in place from a <see cref="ReadOnlySequence{T}"/> (a frame may span
/// segments and reads); writes serialize straight into an <see cref="IBufferWriter{T}"/>.
/// </summary>
internal static class MessageFraming
{
    public const int HeaderSize = 5;

    /// <summary>
    /// Looks for one whole frame at the start of <paramref name="buffer"/>. On
    /// <see cref="FrameResult.Message"/>, <paramref name="payload"/> is the message bytes and
    /// <paramref name="buffer"/> starts after it; otherwise <paramref name="buffer"/> is unchanged.
    /// </summary>
    public static FrameResult TryRead(ref ReadOnlySequence<byte> buffer, int maxMessageSize, out ReadOnlySequence<byte> payload, out uint length)
    {
        payload = default;
        length = 0;
        if (buffer.Length < HeaderSize)
        {
            return FrameResult.Incomplete;
        }

        Span<byte> header = stackalloc byte[HeaderSize];
        buffer.Slice(0, HeaderSize).CopyTo(header);
        length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        switch (header[0])
        {
            case 0:
                break;
            case 1:
                return FrameResult.Compressed;
            default:
                return FrameResult.InvalidFlag;
        }

        if (length > (uint)maxMessageSize)
        {
            return FrameResult.TooLarge;
        }

        if (buffer.Length < HeaderSize + length)
        {
            return FrameResult.Incomplete;
        }

        payload = buffer.Slice(HeaderSize, length);
        buffer = buffer.Slice(payload.End);
        return FrameResult.Message;
    }

    /// <summary>Writes one uncompressed frame holding <paramref name="message"/>.</summary>
    public static void Write(IBufferWriter<byte> writer, IMessage message, int size)
    {
        if (size <= 64 * 1024)
        {
            // Small messages: header and payload in one contiguous span, one Advance.
            Span<byte> span = writer.GetSpan(HeaderSize + size);
            span[0] = 0;
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)size);
            message.WriteTo(span.Slice(HeaderSize, size));
            writer.Advance(HeaderSize + size);
            return;
        }

        Span<byte> head = writer.GetSpan(HeaderSize);
        head[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(head[1..], (uint)size);
        writer.Advance(HeaderSize);
        message.WriteTo(writer);
    }
}
