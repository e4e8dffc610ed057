using Xunit;

namespace Marketplace.Grpc.Tests;

/// <summary>One echo server and one channel shared by the tests of a class.</summary>
public sealed class EchoServerFixture : IAsyncLifetime
{
    public EchoServer Server { get; private set; } = null!;

    public GrpcChannel Channel { get; private set; } = null!;

    public EchoClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await EchoServer.StartAsync();
        Channel = GrpcChannel.ForAddress(Server.Address);
        Client = new EchoClient(Channel);
    }

    public async Task DisposeAsync()
    {
        Channel.Dispose();
        await Server.DisposeAsync();
    }
}
