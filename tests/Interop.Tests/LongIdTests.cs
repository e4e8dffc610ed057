using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Marketplace.Hosting.Identity;
using Marketplace.Testing;
using Xunit;

namespace Marketplace.Interop.Tests;

/// <summary>
/// Issue 15, finding 4: a 70,000-character id was echoed into the NOT_FOUND status message; the
/// response headers passed the client's limit and the call died with DEADLINE_EXCEEDED and a lost
/// connection. Each service's read of an id, over a real gRPC channel (HttpClient's default header
/// limit), with a 70,000-character id: INVALID_ARGUMENT naming the bound, a short message that quotes
/// no more than a short prefix of the id, and the same channel goes on answering.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class LongIdTests(PlatformFixture platform)
{
    private static readonly Metadata Internal = new() { { "authorization", TestIdentity.Bearer("long-id-client", CallerRole.Internal) } };

    [Theory]
    [MemberData(nameof(Services))]
    public async Task A_70000_character_id_is_INVALID_ARGUMENT_with_a_short_message_and_the_connection_lives(string name)
    {
        var service = PlatformServices.Named(name);
        string longId = "x" + new string('é', 69_998) + "y";
        var request = service.ProbeRead.Descriptor.Parser.ParseFrom(service.ProbeRead.ToByteArray());
        var idField = request.Descriptor.Fields.InFieldNumberOrder().First(f => f.FieldType == FieldType.String);
        idField.Accessor.SetValue(request, longId);

        var error = await Assert.ThrowsAsync<RpcException>(() => CallAsync(name, service, request));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains($"{idField.Name} must be at most 128 characters", error.Status.Detail, StringComparison.Ordinal);
        Assert.True(error.Status.Detail.Length <= 200, $"the message is {error.Status.Detail.Length} characters long");
        Assert.DoesNotContain(new string('é', 65), error.Status.Detail, StringComparison.Ordinal);

        // The same channel (and its connection) goes on: the well-formed read reaches the handler.
        var notFound = await Assert.ThrowsAsync<RpcException>(() => CallAsync(name, service, service.ProbeRead));
        Assert.Equal(StatusCode.NotFound, notFound.StatusCode);
    }

    public static TheoryData<string> Services => PlatformServices.Names;

    private async Task CallAsync(string name, PlatformService service, IMessage request)
    {
        var method = new Method<byte[], byte[]>(MethodType.Unary, service.Descriptor.FullName, service.ProbeMethod.Name, Bytes, Bytes);
        await platform.Invoker(name).AsyncUnaryCall(method, null, new CallOptions(Internal, DateTime.UtcNow.AddSeconds(20)), request.ToByteArray());
    }

    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create(bytes => bytes, bytes => bytes);
}
