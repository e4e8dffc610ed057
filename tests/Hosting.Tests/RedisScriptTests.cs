using Marketplace.Hosting.Redis;
using Marketplace.Testing;
using StackExchange.Redis;
using Xunit;

namespace Marketplace.Hosting.Tests;

/// <summary>Scripts sent by their SHA1 (<see cref="RedisScript"/>) and constants written into Lua (<see cref="LuaString"/>), on a real redis-server.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisScriptTests(RedisFixture redis)
{
    [Fact]
    public async Task A_script_the_server_has_forgotten_is_sent_again_and_answers_the_same()
    {
        var db = redis.Server.Admin.GetDatabase();
        var server = redis.Server.Admin.GetServers().Single();
        string key = "redis-script-test:" + Guid.NewGuid().ToString("N");
        var script = new RedisScript("redis.call('INCRBY', KEYS[1], ARGV[1]) return redis.call('GET', KEYS[1])");
        var read = new RedisScript("return redis.call('GET', KEYS[1])");

        await server.ScriptFlushAsync();
        Assert.False(await server.ScriptExistsAsync(script.Hash));
        Assert.Equal(5, (long)await script.EvaluateAsync(db, [key], [5]));        // NOSCRIPT, then EVAL
        Assert.True(await server.ScriptExistsAsync(script.Hash));                // the text went once; the hash is the server's
        Assert.Equal(7, (long)await script.EvaluateAsync(db, [key], [2]));        // by its hash: EVALSHA
        Assert.Equal(7, (long)await read.EvaluateReadOnlyAsync(db, [key]));       // EVAL_RO after NOSCRIPT
        await server.ScriptFlushAsync();
        Assert.Equal(7, (long)await read.EvaluateReadOnlyAsync(db, [key]));
        Assert.Equal(7, (long)await db.StringGetAsync(key));                      // each write ran once, fallback or not
    }

    [Fact]
    public async Task An_error_that_is_not_NOSCRIPT_is_not_retried()
    {
        var db = redis.Server.Admin.GetDatabase();
        string key = "redis-script-test:" + Guid.NewGuid().ToString("N");
        var failing = new RedisScript("redis.call('INCR', KEYS[1]) return redis.error_reply('REFUSED by the script')");

        var error = await Assert.ThrowsAsync<RedisServerException>(() => failing.EvaluateAsync(db, [key]));

        Assert.Contains("REFUSED by the script", error.Message);
        Assert.Equal(1, (long)await db.StringGetAsync(key));
    }

    [Theory]
    [InlineData("plain:{id}")]
    [InlineData("scoring:\u0002gig:{\u0001}")]     // the score read's key templates: a generation mark and a slot
    [InlineData("it's a \\ back'slash")]
    [InlineData("ünïcødé 🎉 and digits after an escape: \u00011234")]
    [InlineData("")]
    public async Task A_literal_reads_back_in_Lua_as_the_same_bytes(string value)
    {
        var db = redis.Server.Admin.GetDatabase();

        var echoed = await new RedisScript($"return {LuaString.Literal(value)}").EvaluateAsync(db);

        Assert.Equal(value, (string?)echoed);
    }
}
