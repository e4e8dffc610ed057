using System.Buffers.Binary;
using Google.Protobuf;
using Grpc.Core;
using Marketplace.Bench.V1;
using Microsoft.AspNetCore.Authorization;

namespace Marketplace.Bench.Grpc;

/// <summary>
/// The benchmarked unary method on the platform's stack: an API class like every service's
/// (generated base, <c>[Authorize]</c>, so each call's bearer token is validated), echoing the message.
/// </summary>
[Authorize]
public sealed class BenchEchoApi : Echo.EchoBase
{
    public override Task<EchoReply> Unary(EchoRequest request, ServerCallContext context) =>
        Task.FromResult(new EchoReply { Message = request.Message });
}

/// <summary>The benchmark's small request and the gRPC framing of a message.</summary>
public static class BenchMessages
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

/// <summary>The same method with nothing of the platform: no <c>[Authorize]</c> (calibration only).</summary>
public sealed class MinimalEchoApi : Echo.EchoBase
{
    public override Task<EchoReply> Unary(EchoRequest request, ServerCallContext context) =>
        Task.FromResult(new EchoReply { Message = request.Message });
}
