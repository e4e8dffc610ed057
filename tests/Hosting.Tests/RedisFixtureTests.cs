using Marketplace.Testing;
using Xunit;

namespace Marketplace.Hosting.Tests;

[Collection(RedisCollection.Name)]
public sealed class RedisFixtureTests(RedisFixture redis)
{
    [Fact]
    public async Task The_fixture_is_a_real_redis_server()
    {
        var server = redis.Server.Admin.GetServer("127.0.0.1", redis.Server.Port);
        var info = await server.InfoAsync("server");
        var fields = info.SelectMany(group => group).ToDictionary(pair => pair.Key, pair => pair.Value);

        Assert.True(fields.ContainsKey("redis_version"), "INFO server has no redis_version");
        Assert.Equal(redis.Server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), fields["tcp_port"]);
        Assert.Equal("standalone", fields["redis_mode"]);
    }

    [Fact]
    public async Task Flush_removes_every_key()
    {
        var db = redis.Server.Admin.GetDatabase();
        await db.StringSetAsync("fixture:probe", "1");
        await redis.FlushAsync();
        Assert.False(await db.KeyExistsAsync("fixture:probe"));
    }
}
