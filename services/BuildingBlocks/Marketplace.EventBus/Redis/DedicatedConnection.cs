using StackExchange.Redis;

namespace Marketplace.EventBus.Redis;

/// <summary>
/// Opens the separate connection a blocking XREADGROUP needs (never the shared multiplexer,
/// whose other commands would queue behind the block). Its timeouts leave room for the BLOCK
/// time, so a read that waits its full time is not reported as a timeout; it speaks RESP2, the
/// reply shape <see cref="BlockingGroupRead"/> reads.
/// </summary>
internal static class DedicatedConnection
{
    public static ConnectionMultiplexer Connect(string configuration, EventBusOptions options)
    {
        var config = ConfigurationOptions.Parse(configuration);
        config.AbortOnConnectFail = false;
        config.ConnectTimeout = Math.Min(config.ConnectTimeout, 5000);
        config.SyncTimeout = Math.Max(config.SyncTimeout, (int)options.ReadTimeoutMs + 10_000);
        config.AsyncTimeout = Math.Max(config.AsyncTimeout, (int)options.ReadTimeoutMs + 10_000);
        config.Protocol = RedisProtocol.Resp2;
        return ConnectionMultiplexer.Connect(config);
    }
}

/// <summary>
/// The one raw command of the Redis transport. StackExchange.Redis 3.4.35's
/// <c>StreamReadGroupAsync</c> has no BLOCK argument (its multiplexed connection must never
/// wait on the server), so the consumer issues <c>XREADGROUP … BLOCK</c> itself on a dedicated
/// connection and turns the reply into the library's own <see cref="StreamEntry"/> values;
/// everything after that uses the native Streams API. See README "Reading: why BLOCK".
/// </summary>
internal static class BlockingGroupRead
{
    public static object[] Command(string group, string consumer, int count, long blockMs, IReadOnlyList<string> streams)
    {
        var args = new List<object> { "GROUP", group, consumer, "COUNT", count, "BLOCK", blockMs, "STREAMS" };
        args.AddRange(streams.Select(stream => (object)(RedisKey)stream));
        args.AddRange(streams.Select(_ => (object)">"));
        return [.. args];
    }

    /// <summary>Reads the RESP2 reply <c>[[stream, [[id, [field, value, …]], …]], …]</c>, or nil when BLOCK timed out.</summary>
    public static List<StreamDelivery> Parse(RedisResult reply)
    {
        var batch = new List<StreamDelivery>();
        if (reply.IsNull)
        {
            return batch;
        }

        foreach (var streamReply in (RedisResult[])reply!)
        {
            var parts = (RedisResult[])streamReply!;
            string stream = (string)parts[0]!;
            foreach (var entryReply in (RedisResult[])parts[1]!)
            {
                var entry = (RedisResult[])entryReply!;
                if (entry[1].IsNull)
                {
                    continue; // deleted after it was added; never the case for ">" reads
                }

                var flat = (RedisValue[])entry[1]!;
                var values = new NameValueEntry[flat.Length / 2];
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = new NameValueEntry(flat[2 * i], flat[(2 * i) + 1]);
                }

                batch.Add(new StreamDelivery(stream, new StreamEntry((RedisValue)entry[0], values), 1));
            }
        }

        return batch;
    }
}
