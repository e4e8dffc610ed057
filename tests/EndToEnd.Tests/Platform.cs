using Marketplace.Clients;
using Marketplace.Platform;
using Marketplace.Scenario;
using Marketplace.Testing;
using StackExchange.Redis;

namespace Marketplace.EndToEnd.Tests;

/// <summary>
/// redis-server and Orders, Reviews, Messaging and Scoring as separate OS processes on free
/// loopback ports, as `make run` starts them, with short redelivery times so a killed consumer's
/// entries are reclaimed within seconds. Everything is stopped on dispose.
/// </summary>
public sealed class Platform : IAsyncDisposable
{
    public static readonly IReadOnlyList<string> ServiceNames = ["Orders", "Reviews", "Messaging", "Scoring"];

    private static readonly Dictionary<string, string> Settings = new Dictionary<string, string>
    {
        ["EventBus__ReadTimeoutMs"] = "500",
        ["EventBus__RedeliverIntervalMs"] = "1000",
        ["EventBus__ProcessingTimeoutMs"] = "3000",
        ["Scoring__SellerEvaluationPollMs"] = "50",
        ["Logging__LogLevel__Default"] = "Warning",
    }
        // The scenario's silent buyer is marked by Messaging within seconds (only Messaging reads these).
        .Concat(WalkingSkeleton.MessagingSettings)
        .Concat(WalkingSkeleton.OrdersSettings) // its late orders are due seconds after placing
        .ToDictionary();

    private readonly Dictionary<string, ServiceProcess> _services = new(StringComparer.Ordinal);
    private Dictionary<string, string> _settings = Settings;

    private Platform(RedisServer redis)
    {
        Redis = redis;
    }

    public RedisServer Redis { get; }

    public IDatabase Db => Redis.Admin.GetDatabase();

    public ServiceProcess this[string service] => _services[service];

    public PlatformTargets Targets => new(Grpc("Orders"), Grpc("Reviews"), Grpc("Messaging"), Grpc("Scoring"));

    public PlatformClient Client() => new(Targets, TestIdentity.SigningKey);

    /// <summary>
    /// Starts Redis and the four services; with <paramref name="simulatedClockAt"/>, on the platform's
    /// simulated clock (docs/clock.md), set to that time before any service starts.
    /// </summary>
    public static async Task<Platform> StartAsync(DateTimeOffset? simulatedClockAt = null)
    {
        var platform = new Platform(await RedisServer.StartAsync(appendOnly: true));
        try
        {
            var settings = new Dictionary<string, string>(Settings);
            if (simulatedClockAt is { } start)
            {
                await PlatformClock.Driver(platform.Redis.Admin).StartAtAsync(start);
                foreach (var key in WalkingSkeleton.MessagingSettings.Keys)
                {
                    settings.Remove(key); // a day is cheap on the simulated clock: the policy's 24 h
                }

                foreach (var (key, value) in PlatformClock.SimulatedSettings)
                {
                    settings[key.Replace(":", "__", StringComparison.Ordinal)] = value;
                }
            }

            foreach (var name in ServiceNames)
            {
                platform._services[name] = ServiceProcess.Start(name, platform.Redis.ConnectionString, settings);
                platform._settings = settings;
            }

            await Task.WhenAll(platform._services.Values.Select(s => s.WaitUntilReadyAsync(TimeSpan.FromSeconds(90))));
            return platform;
        }
        catch
        {
            await platform.DisposeAsync();
            throw;
        }
    }

    /// <summary>Kills a service with SIGKILL (no shutdown of any kind) and waits until it is gone.</summary>
    public async Task KillAsync(string service)
    {
        var process = _services[service];
        process.Signal(Signals.SigKill);
        await process.WaitForExitAsync(TimeSpan.FromSeconds(30));
        await process.DisposeAsync();
    }

    /// <summary>Starts a service again (a new process on the same ports), waiting until it is ready.</summary>
    public async Task RestartAsync(string service)
    {
        var old = _services[service];
        var process = ServiceProcess.Start(service, Redis.ConnectionString, _settings, old.GrpcPort, old.HttpPort);
        _services[service] = process;
        await process.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
    }

    /// <summary>Waits until every event so far is handled by every service, or fails naming the backlog.</summary>
    public Task CaughtUpAsync() => new PlatformProbe(Db).WaitUntilCaughtUpAsync(TimeSpan.FromSeconds(120));

    private Uri Grpc(string service) => new($"http://127.0.0.1:{_services[service].GrpcPort}");

    public async ValueTask DisposeAsync()
    {
        foreach (var service in _services.Values)
        {
            await service.DisposeAsync();
        }

        await Redis.DisposeAsync();
    }
}
