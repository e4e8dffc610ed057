using StackExchange.Redis;

namespace Marketplace.EventBus.Redis;

/// <summary>
/// Opens the separate connection a blocking XREADGROUP needs (never the shared multiplexer,
/// whose other commands would queue behind the block). Its timeouts leave room for the BLOCK
/// time, so a read that waits its full time is not reported as a timeout.
/// </summary>
internal static class DedicatedConnection
{
    public static ConnectionMultiplexer Connect(string configuration, EventBusOptions options)
    {
        var config = ConfigurationOptions.Parse(configuration);
        config.AbortOnConnectFail = false;
        config.Protocol = RedisProtocol.Resp2;
        config.ConnectTimeout = Math.Min(config.ConnectTimeout, 5000);
        config.SyncTimeout = Math.Max(config.SyncTimeout, (int)options.ReadTimeout.TotalMilliseconds + 10_000);
        return ConnectionMultiplexer.Connect(config);
    }
}
