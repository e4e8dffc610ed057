using Xunit;

namespace Marketplace.Testing;

/// <summary>
/// One real redis-server shared by the tests of a collection, stopped when the collection
/// ends (whether its tests passed or not). Tests that need isolation call <see cref="FlushAsync"/>.
/// Use it with <c>[Collection(RedisCollection.Name)]</c>.
/// </summary>
public sealed class RedisFixture : IAsyncLifetime
{
    private RedisServer? _server;

    public RedisServer Server => _server ?? throw new InvalidOperationException("The Redis fixture has not started.");

    public string ConnectionString => Server.ConnectionString;

    public Task FlushAsync() => Server.FlushAsync();

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
