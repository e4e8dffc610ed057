using Marketplace.Testing.Echo.V1;
using Google.Protobuf.Reflection;

namespace Marketplace.Grpc.Tests;

/// <summary>Typed calls of <c>marketplace.testing.v1.Echo</c> on a channel, as a generated client would offer them.</summary>
public sealed class EchoClient(GrpcChannel channel)
{
    private static readonly ServiceDescriptor Service = EchoReflection.Descriptor.Services[0];
    private static readonly MethodDescriptor UnaryMethod = Service.FindMethodByName("Unary");
    private static readonly MethodDescriptor ServerStreamMethod = Service.FindMethodByName("ServerStream");
    private static readonly MethodDescriptor ClientStreamMethod = Service.FindMethodByName("ClientStream");
    private static readonly MethodDescriptor DuplexMethod = Service.FindMethodByName("Duplex");

    public AsyncUnaryCall<EchoReply> UnaryAsync(EchoRequest request, CallOptions options = default) =>
        channel.UnaryAsync<EchoRequest, EchoReply>(UnaryMethod, request, options);

    public AsyncServerStreamingCall<EchoReply> ServerStream(EchoRequest request, CallOptions options = default) =>
        channel.ServerStreaming<EchoRequest, EchoReply>(ServerStreamMethod, request, options);

    public AsyncClientStreamingCall<EchoRequest, EchoReply> ClientStream(CallOptions options = default) =>
        channel.ClientStreaming<EchoRequest, EchoReply>(ClientStreamMethod, options);

    public AsyncDuplexStreamingCall<EchoRequest, EchoReply> Duplex(CallOptions options = default) =>
        channel.DuplexStreaming<EchoRequest, EchoReply>(DuplexMethod, options);
}
