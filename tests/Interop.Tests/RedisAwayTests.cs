using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Marketplace.Hosting.Identity;
using Marketplace.Testing;
using Xunit;

namespace Marketplace.Interop.Tests;

/// <summary>
/// Issue 15, finding 5: while Redis was down, calls ended UNKNOWN, so clients and the gRPC retry policy
/// could not tell "try again" from "bug". Each service, on a Redis of its own that the test stops: a read
/// ends UNAVAILABLE naming storage, at once (a client deadline of 3 s; a command used to wait in
/// StackExchange.Redis's backlog for its 5 s timeout, and the call ended DEADLINE_EXCEEDED), with no
/// client retry in between (a bare channel); and it answers again once Redis is back.
/// </summary>
public sealed class RedisAwayTests
{
    private static readonly Metadata Internal = new() { { "authorization", TestIdentity.Bearer("redis-away-client", CallerRole.Internal) } };

    [Theory]
    [MemberData(nameof(Services))]
    public async Task A_call_while_Redis_is_away_is_UNAVAILABLE_at_once_and_answered_again_once_it_is_back(string name)
    {
        var service = PlatformServices.Named(name);
        await using var redis = await RedisServer.StartAsync();
        await using var host = await PlatformFixture.StartAsync(service, redis.ConnectionString);
        using var channel = GrpcChannel.ForAddress(host.GrpcAddress);
        Assert.Equal(StatusCode.NotFound, await StatusOfAsync(channel, service, TimeSpan.FromSeconds(20))); // warm: a first call may be slow

        await redis.StopAsync();
        var away = await StatusAndDetailAsync(channel, service, TimeSpan.FromSeconds(3));

        Assert.True(away.Status == StatusCode.Unavailable, $"{away.Status}: {away.Detail}");
        Assert.Contains("storage is unavailable for now; retry the call", away.Detail, StringComparison.Ordinal);

        await redis.StartAgainAsync();
        await Wait.UntilAsync(async () => await StatusOfAsync(channel, service, TimeSpan.FromSeconds(20)) == StatusCode.NotFound, "the read reaches its handler again", TimeSpan.FromSeconds(30));
    }

    public static TheoryData<string> Services => PlatformServices.Names;

    private static async Task<StatusCode> StatusOfAsync(GrpcChannel channel, PlatformService service, TimeSpan deadline) =>
        (await StatusAndDetailAsync(channel, service, deadline)).Status;

    private static async Task<(StatusCode Status, string Detail)> StatusAndDetailAsync(GrpcChannel channel, PlatformService service, TimeSpan deadline)
    {
        var method = new Method<byte[], byte[]>(MethodType.Unary, service.Descriptor.FullName, service.ProbeMethod.Name, Bytes, Bytes);
        try
        {
            await channel.CreateCallInvoker().AsyncUnaryCall(method, null, new CallOptions(Internal, DateTime.UtcNow + deadline), service.ProbeRead.ToByteArray());
            return (StatusCode.OK, "");
        }
        catch (RpcException e)
        {
            return (e.StatusCode, e.Status.Detail);
        }
    }

    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create(bytes => bytes, bytes => bytes);
}
