using System.Buffers.Binary;
using Google.Protobuf;
using Marketplace.Testing.Echo.V1;

namespace Marketplace.Grpc.Bench;

/// <summary>The benchmarked unary method: echoes the message, nothing else.</summary>
internal sealed class BenchEchoService
{
    public Task<EchoReply> Unary(EchoRequest request, ServerCallContext context) =>
        Task.FromResult(new EchoReply { Message = request.Message });

    public Task ServerStream(EchoRequest request, IServerStreamWriter<EchoReply> responseStream, ServerCallContext context) =>
        throw new RpcException(new Status(StatusCode.Unimplemented, "Only Unary is benchmarked."));

    public Task<EchoReply> ClientStream(IAsyncStreamReader<EchoRequest> requestStream, ServerCallContext context) =>
        throw new RpcException(new Status(StatusCode.Unimplemented, "Only Unary is benchmarked."));

    public Task Duplex(IAsyncStreamReader<EchoRequest> requestStream, IServerStreamWriter<EchoReply> responseStream, ServerCallContext context) =>
        throw new RpcException(new Status(StatusCode.Unimplemented, "Only Unary is benchmarked."));
}

/// <summary>The benchmark's small request and the gRPC framing of a message.</summary>
internal static class BenchMessages
{
    public static readonly EchoRequest Request = new() { Message = "ping" };

    public static byte[] Frame(IMessage message)
    {
        byte[] payload = message.ToByteArray();
        byte[] frame = new byte[5 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }
}
