using Grpc.AspNetCore.Server;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Marketplace.Clients;
using Marketplace.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Marketplace.Interop.Tests;

/// <summary>
/// Every platform service in-process (ServiceHost, as its Program.cs builds it) on one real
/// redis-server, for the tests of the <see cref="PlatformCollection"/> (run one after another,
/// so a test may hold Redis for a moment). Each service also carries a <see cref="CallProbe"/>.
/// </summary>
public class PlatformFixture : IAsyncLifetime
{
    private readonly RedisFixture _redis = new();
    private readonly Dictionary<string, ServiceHost> _hosts = [];
    private readonly Dictionary<string, TypedClients> _health = [];
    private readonly Dictionary<string, GrpcChannel> _channels = [];

    public RedisServer Redis => _redis.Server;

    public ServiceHost this[string service] => _hosts[service];

    public CallProbe Probe(string service) => _hosts[service].Services.GetRequiredService<CallProbe>();

    /// <summary>A gRPC health client of the service (built through the client factory, with a deadline).</summary>
    public Health.HealthClient Health(string service) => _health[service].Get<Health.HealthClient>();

    /// <summary>A plain channel's invoker to the service, for calls built from descriptors (no deadline, no retries).</summary>
    public CallInvoker Invoker(string service) => _channels[service].CreateCallInvoker();

    public async Task InitializeAsync()
    {
        await _redis.InitializeAsync();
        foreach (var service in PlatformServices.All)
        {
            var host = await StartAsync(service, _redis.ConnectionString, Settings);
            _hosts[service.Name] = host;
            _health[service.Name] = TypedClients.For<Health.HealthClient>(host.GrpcAddress, TimeSpan.FromSeconds(10));
            _channels[service.Name] = GrpcChannel.ForAddress(host.GrpcAddress);
        }
    }

    /// <summary>Settings every service of this fixture starts with (none: the services' defaults).</summary>
    protected virtual IDictionary<string, string?>? Settings => null;

    /// <summary>Starts <paramref name="service"/> as its Program.cs does, plus the test's <see cref="CallProbe"/>.</summary>
    public static Task<ServiceHost> StartAsync(PlatformService service, string redis, IDictionary<string, string?>? settings = null) =>
        ServiceHost.StartAsync(service.AppId, redis, builder =>
        {
            service.AddParts(builder);
            builder.Services.AddSingleton<CallProbe>();
            builder.Services.Configure<GrpcServiceOptions>(grpc => grpc.Interceptors.Add<CallProbe>());
        }, service.MapApi, settings);

    /// <summary>
    /// Waits until consumer group <paramref name="group"/> (a service's app id) has read and
    /// acknowledged every entry of the <paramref name="topic"/> stream (XINFO GROUPS: lag and pending 0).
    /// </summary>
    public Task ConsumedAsync(string topic, string group) => Wait.UntilAsync(async () =>
    {
        var db = Redis.Admin.GetDatabase();
        if (!await db.KeyExistsAsync(topic))
        {
            return false;
        }

        var groups = (StackExchange.Redis.RedisResult[])(await db.ExecuteAsync("XINFO", "GROUPS", topic))!;
        foreach (var entry in groups)
        {
            var fields = (StackExchange.Redis.RedisResult[])entry!;
            var info = new Dictionary<string, string?>();
            for (int i = 0; i + 1 < fields.Length; i += 2)
            {
                info[(string)fields[i]!] = fields[i + 1].IsNull ? null : fields[i + 1].ToString();
            }

            if (info.GetValueOrDefault("name") == group)
            {
                return info.GetValueOrDefault("lag") == "0" && info.GetValueOrDefault("pending") == "0";
            }
        }

        return false;
    }, $"{group} has handled every event on {topic}");

    /// <summary>
    /// Waits until every event <paramref name="producer"/> has committed so far is handled by
    /// <paramref name="consumer"/>: the producer's outbox is empty (the relay moved each entry to
    /// its topic in the same script that removed it), then the consumer's group on
    /// <paramref name="topic"/> has read and acknowledged everything (<see cref="ConsumedAsync"/>).
    /// </summary>
    public async Task DeliveredAsync(string producer, string topic, string consumer)
    {
        var db = Redis.Admin.GetDatabase();
        await Wait.UntilAsync(async () => await db.StreamLengthAsync(EventBus.Names.OutboxKey(producer)) == 0,
            $"{producer} has relayed its outbox");
        await ConsumedAsync(topic, consumer);
    }

    public async Task DisposeAsync()
    {
        foreach (var channel in _channels.Values)
        {
            channel.Dispose();
        }

        foreach (var clients in _health.Values)
        {
            clients.Dispose();
        }

        foreach (var host in _hosts.Values)
        {
            await host.DisposeAsync();
        }

        await _redis.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class PlatformCollection : ICollectionFixture<PlatformFixture>
{
    public const string Name = "platform";
}
