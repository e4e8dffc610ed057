using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Marketplace.Hosting;

/// <summary>
/// The service's shared Redis multiplexer (also registered as <see cref="IConnectionMultiplexer"/>
/// for OpenTelemetry's Redis instrumentation). It connects lazily and never aborts on a failed
/// connect, so a service starts (and reports unready) while Redis is down and recovers by itself
/// when Redis comes back. Blocking reads must open their own connection with
/// <see cref="ConnectDedicated"/>, never use this one.
/// </summary>
public sealed class RedisConnection : IDisposable
{
    private readonly Lazy<ConnectionMultiplexer> _multiplexer;
    private readonly string _configuration;

    public RedisConnection(IOptions<PlatformOptions> options, ILogger<RedisConnection> logger)
    {
        _configuration = options.Value.Redis;
        _multiplexer = new Lazy<ConnectionMultiplexer>(() =>
        {
            var connection = ConnectDedicated();
            connection.ConnectionFailed += (_, e) => logger.LogWarning("Redis connection lost: {Failure} {Endpoint}", e.FailureType, e.EndPoint);
            connection.ConnectionRestored += (_, e) => logger.LogInformation("Redis connection restored: {Endpoint}", e.EndPoint);
            return connection;
        });
    }

    public ConnectionMultiplexer Multiplexer => _multiplexer.Value;

    public IDatabase Database => Multiplexer.GetDatabase();

    /// <summary>Opens a separate connection, for blocking commands.</summary>
    public ConnectionMultiplexer ConnectDedicated() => Connect(_configuration);

    /// <summary>A multiplexer that keeps retrying in the background instead of failing when Redis is away.</summary>
    public static ConnectionMultiplexer Connect(string configuration)
    {
        var config = ConfigurationOptions.Parse(configuration);
        config.AbortOnConnectFail = false;
        config.ConnectTimeout = Math.Min(config.ConnectTimeout, 5000);
        return ConnectionMultiplexer.Connect(config);
    }

    public void Dispose()
    {
        if (_multiplexer.IsValueCreated)
        {
            _multiplexer.Value.Dispose();
        }
    }
}
