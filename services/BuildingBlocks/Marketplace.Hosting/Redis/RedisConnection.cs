using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Marketplace.Hosting;

/// <summary>
/// The service's shared Redis multiplexer (also registered as <see cref="IConnectionMultiplexer"/>
/// for OpenTelemetry's Redis instrumentation). It connects asynchronously when the host starts
/// (<see cref="RedisConnector"/>), so no request thread blocks on the first connect, and it never
/// aborts on a failed connect: a service starts (and reports unready) while Redis is down and
/// recovers by itself when Redis comes back. Blocking reads (the event bus's XREADGROUP BLOCK)
/// open a connection of their own, never use this one. While the connection is down a command
/// fails at once (<see cref="BacklogPolicy.FailFast"/>) instead of waiting in StackExchange.Redis's
/// backlog until its timeout (5 s): a call then ends UNAVAILABLE at once, which the client's retry
/// policy acts on, not DEADLINE_EXCEEDED after a wait that helps nobody (issue 15, the Redis-outage test).
/// </summary>
public sealed class RedisConnection : IDisposable
{
    private readonly Lazy<Task<ConnectionMultiplexer>> _connecting;
    private readonly string _configuration;

    public RedisConnection(IOptions<PlatformOptions> options, ILogger<RedisConnection> logger)
    {
        _configuration = options.Value.Redis;
        _connecting = new Lazy<Task<ConnectionMultiplexer>>(async () =>
        {
            var connection = await ConnectionMultiplexer.ConnectAsync(Options(_configuration));
            connection.ConnectionFailed += (_, e) => logger.LogWarning("Redis connection lost: {Failure} {Endpoint}", e.FailureType, e.EndPoint);
            connection.ConnectionRestored += (_, e) => logger.LogInformation("Redis connection restored: {Endpoint}", e.EndPoint);
            return connection;
        });
    }

    /// <summary>The multiplexer; waits for the first connect only when called before the host has started.</summary>
    public ConnectionMultiplexer Multiplexer => _connecting.Value.GetAwaiter().GetResult();

    public IDatabase Database => Multiplexer.GetDatabase();

    /// <summary>Starts (or joins) the first connect.</summary>
    public Task<ConnectionMultiplexer> ConnectAsync() => _connecting.Value;

    private static ConfigurationOptions Options(string configuration)
    {
        var config = ConfigurationOptions.Parse(configuration);
        config.AbortOnConnectFail = false;
        config.ConnectTimeout = Math.Min(config.ConnectTimeout, 5000);
        config.BacklogPolicy = BacklogPolicy.FailFast;
        return config;
    }

    public void Dispose()
    {
        if (_connecting.IsValueCreated && _connecting.Value.IsCompletedSuccessfully)
        {
            _connecting.Value.Result.Dispose();
        }
    }
}

/// <summary>Connects the shared multiplexer when the host starts, before the loops and the listeners that use it.</summary>
public sealed class RedisConnector(RedisConnection redis) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken) => await redis.ConnectAsync().WaitAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
