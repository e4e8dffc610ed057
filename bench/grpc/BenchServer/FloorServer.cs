using Marketplace.Hosting.Redis;
using StackExchange.Redis;

namespace Marketplace.Bench.Grpc;

/// <summary>
/// The floor under GetGigScore's latency on this machine: bare Kestrel HTTP/2 (as the "bare"
/// server) that makes one Redis round trip per call (a read script, sent by its SHA1 as the
/// services send theirs, returning a value of <see cref="StoredBytes"/>) and answers a precomputed
/// reply of <see cref="ReplyBytes"/>: no authentication, gRPC framework, telemetry, engine or
/// parsing. Whatever any server that reads Redis once per call does, it does at least this, so its
/// p99 at the same calls in flight is the lowest GetGigScore's can be here.
/// </summary>
public static class FloorServer
{
    public const string Path = "/marketplace.scoring.v1.ScoringService/GetGigScore";

    /// <summary>About what the score read script returns for the seeded Gig: its hash (~380 bytes), its group's means (~100), the counts.</summary>
    public const int StoredBytes = 600;

    /// <summary>About the seeded Gig's GigScore message with its six areas (a 304-byte DATA frame, measured with nghttp).</summary>
    public const int ReplyBytes = 300;

    private const string Key = "bench:floor";

    public static async Task<WebApplication> BuildAsync(int port, string redis)
    {
        var app = BareKestrel.Builder(port).Build();
        app.UseMiddleware<OkResponses>();

        var connection = await ConnectionMultiplexer.ConnectAsync(redis);
        var database = connection.GetDatabase();
        await database.StringSetAsync(Key, new string('s', StoredBytes));
        var script = new RedisScript("return redis.call('GET', KEYS[1])");
        RedisKey[] keys = [Key];
        byte[] reply = BenchMessages.Frame(new Marketplace.Bench.V1.EchoReply { Message = new string('r', ReplyBytes) });

        app.MapPost(Path, async context =>
        {
            await BareKestrel.DrainAsync(context.Request.BodyReader);
            var stored = await script.EvaluateReadOnlyAsync(database, keys, []);
            if (stored.IsNull)
            {
                throw new InvalidOperationException("the floor's stored value is gone");
            }

            context.Response.ContentType = "application/grpc";
            await context.Response.BodyWriter.WriteAsync(reply);
            context.Response.AppendTrailer("grpc-status", "0");
        });
        app.Lifetime.ApplicationStopped.Register(connection.Dispose);
        return app;
    }
}
