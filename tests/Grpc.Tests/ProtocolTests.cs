using System.Buffers;
using System.Text;
using Marketplace.Testing.Echo.V1;
using Google.Protobuf;
using Xunit;

namespace Marketplace.Grpc.Tests;

/// <summary>The wire formats, without I/O: grpc-timeout, grpc-message, binary metadata, message framing.</summary>
public sealed class ProtocolTests
{
    [Theory]
    [InlineData("1H", 3600_000_000_0L)]
    [InlineData("2M", 1200_000_000L)]
    [InlineData("3S", 30_000_000L)]
    [InlineData("250m", 2_500_000L)]
    [InlineData("7u", 70L)]
    [InlineData("100n", 1L)]
    [InlineData("1n", 1L)]
    [InlineData("0m", 0L)]
    [InlineData("99999999S", 99_999_999L * 10_000_000)]
    public void Grpc_timeout_parses(string header, long ticks)
    {
        Assert.True(GrpcTimeout.TryParse(header, out var timeout));
        Assert.Equal(TimeSpan.FromTicks(ticks), timeout);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("10")]
    [InlineData("10s")]
    [InlineData("123456789S")]
    [InlineData("-1S")]
    [InlineData("1.5S")]
    [InlineData(" 1S")]
    public void Malformed_grpc_timeout_is_rejected(string header) => Assert.False(GrpcTimeout.TryParse(header, out _));

    [Theory]
    [InlineData(2 * 3600_000, "2H")]
    [InlineData(90_000, "90S")]
    [InlineData(120_000, "2M")]
    [InlineData(1500, "1500m")]
    [InlineData(1000, "1S")]
    [InlineData(250, "250m")]
    public void Grpc_timeout_uses_the_coarsest_exact_unit(int milliseconds, string expected) =>
        Assert.Equal(expected, GrpcTimeout.Format(TimeSpan.FromMilliseconds(milliseconds)));

    [Fact]
    public void Grpc_timeout_of_sub_millisecond_precision_keeps_it()
    {
        Assert.Equal("1500u", GrpcTimeout.Format(TimeSpan.FromTicks(15_000)));
        Assert.Equal("100n", GrpcTimeout.Format(TimeSpan.FromTicks(1)));
    }

    [Fact]
    public void Grpc_timeout_that_needs_more_than_8_digits_rounds_up_in_a_coarser_unit()
    {
        // 123456789 ms + 0.1 µs is exact only in ns (too many digits): rounded up, never down.
        var timeout = TimeSpan.FromMilliseconds(123_456_789) + TimeSpan.FromTicks(1);
        string header = GrpcTimeout.Format(timeout);

        Assert.True(header.Length <= 9, header);
        Assert.True(GrpcTimeout.TryParse(header, out var parsed));
        Assert.True(parsed >= timeout, $"{header} is shorter than {timeout}");
    }

    [Fact]
    public void Grpc_timeout_round_trips_for_whole_milliseconds()
    {
        foreach (int ms in new[] { 1, 7, 999, 1001, 59_999, 60_000, 3_599_999, 86_400_000 })
        {
            Assert.True(GrpcTimeout.TryParse(GrpcTimeout.Format(TimeSpan.FromMilliseconds(ms)), out var parsed));
            Assert.Equal(TimeSpan.FromMilliseconds(ms), parsed);
        }
    }

    [Fact]
    public void Non_positive_timeout_is_sent_as_zero() => Assert.Equal("0n", GrpcTimeout.Format(TimeSpan.FromSeconds(-3)));

    [Theory]
    [InlineData("plain ascii", "plain ascii")]
    [InlineData("100%", "100%25")]
    [InlineData("é", "%C3%A9")]
    [InlineData("line\nbreak", "line%0Abreak")]
    [InlineData("評価", "%E8%A9%95%E4%BE%A1")]
    public void Grpc_message_is_percent_encoded_utf8(string message, string encoded)
    {
        Assert.Equal(encoded, GrpcMessageEncoding.Encode(message));
        Assert.Equal(message, GrpcMessageEncoding.Decode(encoded));
    }

    [Fact]
    public void Grpc_message_round_trips_every_kind_of_character()
    {
        string message = "Ü ñ 😀 \t\r\n % %% ~ \u007f \u0000 end";
        string encoded = GrpcMessageEncoding.Encode(message);

        Assert.All(encoded, c => Assert.InRange(c, ' ', '~'));
        Assert.Equal(message, GrpcMessageEncoding.Decode(encoded));
    }

    [Theory]
    [InlineData("%", "%")]
    [InlineData("50%", "50%")]
    [InlineData("%zz", "%zz")]
    [InlineData("%4", "%4")]
    [InlineData("%FF", "\uFFFD")]
    public void Grpc_message_decoding_never_fails(string encoded, string expected) =>
        Assert.Equal(expected, GrpcMessageEncoding.Decode(encoded));

    [Theory]
    [InlineData("AAEC+v8", new byte[] { 0, 1, 2, 250, 255 })]
    [InlineData("AAEC+v8=", new byte[] { 0, 1, 2, 250, 255 })]
    [InlineData("YQ", new byte[] { 97 })]
    [InlineData("YQ==", new byte[] { 97 })]
    [InlineData("", new byte[0])]
    public void Binary_metadata_accepts_padded_and_unpadded_base64(string value, byte[] expected) =>
        Assert.Equal(expected, Metadata.DecodeBinary(value));

    [Fact]
    public void Binary_metadata_is_sent_unpadded() => Assert.Equal("YQ", Metadata.EncodeBinary([97]));

    [Fact]
    public void Binary_metadata_that_is_not_base64_is_rejected() => Assert.Throws<FormatException>(() => Metadata.DecodeBinary("a"));

    [Theory]
    [InlineData("grpc-status")]
    [InlineData("bad key")]
    [InlineData("ключ")]
    [InlineData("")]
    public void Invalid_metadata_keys_are_refused_naming_the_rule(string key)
    {
        var error = Assert.Throws<ArgumentException>(() => new Metadata().Add(key, "v"));
        Assert.Contains("[0-9a-z_.-]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Metadata_keys_are_lower_cased_and_binary_keys_need_bytes()
    {
        Assert.Equal("x-upper", new Metadata().Add("X-Upper", "v")[0].Key);
        Assert.Throws<ArgumentException>(() => new Metadata().Add("x-data-bin", "text"));
        Assert.Throws<ArgumentException>(() => new Metadata().Add("x-data", [1, 2]));
        Assert.Throws<ArgumentException>(() => new Metadata().Add("x-text", "non-ascii é"));
    }

    [Fact]
    public void Frame_split_across_segments_is_read_whole_and_the_rest_is_kept()
    {
        byte[] first = Frame(new EchoRequest { Message = "first message" });
        byte[] second = Frame(new EchoRequest { Message = "second" });
        byte[] all = [.. first, .. second];
        // One byte per segment: the header and the payload span many segments.
        var buffer = Segmented(all, 1);

        Assert.Equal(FrameResult.Message, MessageFraming.TryRead(ref buffer, 1024, out var payload, out _));
        Assert.Equal("first message", EchoRequest.Parser.ParseFrom(payload).Message);
        Assert.Equal(second.Length, buffer.Length);
        Assert.Equal(FrameResult.Message, MessageFraming.TryRead(ref buffer, 1024, out payload, out _));
        Assert.Equal("second", EchoRequest.Parser.ParseFrom(payload).Message);
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void Incomplete_frame_leaves_the_buffer_untouched()
    {
        byte[] frame = Frame(new EchoRequest { Message = "m" });
        foreach (int length in new[] { 0, 3, 5, frame.Length - 1 })
        {
            var buffer = Segmented(frame[..length], 2);
            Assert.Equal(FrameResult.Incomplete, MessageFraming.TryRead(ref buffer, 1024, out _, out _));
            Assert.Equal(length, buffer.Length);
        }
    }

    [Fact]
    public void Length_prefix_over_the_limit_is_reported_before_the_payload_arrives()
    {
        var buffer = new ReadOnlySequence<byte>(new byte[] { 0, 0, 0x10, 0, 1 });

        Assert.Equal(FrameResult.TooLarge, MessageFraming.TryRead(ref buffer, 1024, out _, out uint length));
        Assert.Equal(0x100001u, length);
    }

    [Theory]
    [InlineData(1, "Compressed")]
    [InlineData(2, "InvalidFlag")]
    [InlineData(0x47, "InvalidFlag")]
    public void Compressed_flag_other_than_zero_is_reported(byte flag, string expected)
    {
        var buffer = new ReadOnlySequence<byte>(new byte[] { flag, 0, 0, 0, 0 });
        Assert.Equal(expected, MessageFraming.TryRead(ref buffer, 1024, out _, out _).ToString());
    }

    [Fact]
    public void Written_frame_has_the_header_and_the_serialized_message()
    {
        foreach (int size in new[] { 0, 10, 70_000 })
        {
            var message = new EchoRequest { Payload = ByteString.CopyFrom(new byte[size]) };
            var writer = new ArrayBufferWriter<byte>();
            MessageFraming.Write(writer, message, message.CalculateSize());

            Assert.Equal(Frame(message), writer.WrittenSpan.ToArray());
        }
    }

    [Fact]
    public void HTTP_status_maps_to_gRPC_status_when_grpc_status_is_missing()
    {
        Assert.Equal(StatusCode.Internal, GrpcProtocol.FromHttpStatus(400));
        Assert.Equal(StatusCode.Unauthenticated, GrpcProtocol.FromHttpStatus(401));
        Assert.Equal(StatusCode.PermissionDenied, GrpcProtocol.FromHttpStatus(403));
        Assert.Equal(StatusCode.Unimplemented, GrpcProtocol.FromHttpStatus(404));
        Assert.All(new[] { 429, 502, 503, 504 }, code => Assert.Equal(StatusCode.Unavailable, GrpcProtocol.FromHttpStatus(code)));
        Assert.Equal(StatusCode.Unknown, GrpcProtocol.FromHttpStatus(500));
    }

    [Theory]
    [InlineData("application/grpc", true)]
    [InlineData("application/grpc+proto", true)]
    [InlineData("application/grpc; charset=utf-8", true)]
    [InlineData("application/grpc-web", false)]
    [InlineData("application/json", false)]
    [InlineData(null, false)]
    public void Only_application_grpc_content_types_are_gRPC(string? contentType, bool expected) =>
        Assert.Equal(expected, GrpcProtocol.IsGrpcContentType(contentType));

    private static byte[] Frame(IMessage message) => RawHttp2.Frame(message);

    private static ReadOnlySequence<byte> Segmented(byte[] data, int segmentSize)
    {
        if (data.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        Segment? first = null;
        Segment? last = null;
        for (int offset = 0; offset < data.Length; offset += segmentSize)
        {
            var memory = data.AsMemory(offset, Math.Min(segmentSize, data.Length - offset));
            if (first is null)
            {
                first = last = new Segment(memory, 0);
            }
            else
            {
                last = last!.Append(memory);
            }
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
