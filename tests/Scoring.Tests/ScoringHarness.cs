using Google.Protobuf;
using Marketplace.Contracts.Scoring.V1;
using Marketplace.EventBus;
using Marketplace.EventBus.Redis;
using Marketplace.Hosting;
using Marketplace.Hosting.Identity;
using Marketplace.Platform;
using Marketplace.Scenario;
using Marketplace.Scoring.Api;
using Marketplace.Scoring.Store;
using Marketplace.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using static Marketplace.Clients.PlatformClients;

namespace Marketplace.Scoring.Tests;

/// <summary>
/// A real redis-server and the Scoring service in-process on free ports, one per test, so peer
/// groups never mix between tests, with the generated typed client. Events reach the service
/// through the real bus: published on their topics through the host's unit-of-work executor
/// (outbox, relay, stream, consumer group). Each call's Redis commands are logged (<see cref="RedisCalls"/>).
/// </summary>
public sealed class ScoringHarness : IAsyncDisposable
{
    private readonly RedisServer _redis;
    private ServiceHost _host;

    private ScoringHarness(RedisServer redis, ServiceHost host, RedisCallLog calls)
    {
        _redis = redis;
        _host = host;
        RedisCalls = calls;
    }

    /// <summary>The generated typed client of marketplace.scoring.v1.ScoringService, talking to this host.</summary>
    public ScoringService.ScoringServiceClient Client => _host.Client<ScoringService.ScoringServiceClient>();

    public IDatabase Db => _redis.Admin.GetDatabase();

    public ServiceHost Host => _host;

    /// <summary>The Redis commands each gRPC call to the service sent.</summary>
    public RedisCallLog RedisCalls { get; }

    public Engine.ScoringPolicy Policy => _host.Services.GetRequiredService<IOptions<ScoringOptions>>().Value.Policy;

    public const string AppId = "scoring";

    public static async Task<ScoringHarness> StartAsync(IDictionary<string, string?>? extra = null, TimeProvider? clock = null)
    {
        var redis = await RedisServer.StartAsync();
        var (host, calls) = await StartHostAsync(redis, extra, clock);
        return new ScoringHarness(redis, host, calls);
    }

    /// <summary>Stops the service and starts it again on the same Redis with other settings (a policy change rolled out).</summary>
    public async Task RestartAsync(IDictionary<string, string?>? extra = null, TimeProvider? clock = null)
    {
        await _host.DisposeAsync();
        (_host, _) = await StartHostAsync(_redis, extra, clock, RedisCalls);
    }

    /// <summary>The settings a test's Scoring runs with: short waits so polling sees events quickly (they never decide a pass or a fail), then <paramref name="extra"/>.</summary>
    public static Dictionary<string, string?> Settings(IDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["EventBus:ReadTimeoutMs"] = "200",
            ["EventBus:RedeliverIntervalMs"] = "500",
            ["EventBus:ProcessingTimeoutMs"] = "2000",
            ["EventBus:MaxAttempts"] = "2",
            ["Scoring:SellerEvaluationPollMs"] = "20",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return settings;
    }

    private static async Task<(ServiceHost Host, RedisCallLog Calls)> StartHostAsync(RedisServer redis, IDictionary<string, string?>? extra, TimeProvider? clock, RedisCallLog? log = null)
    {
        var settings = Settings(extra);
        var calls = log ?? new RedisCallLog();
        var host = await ServiceHost.StartAsync(AppId, redis.ConnectionString, b =>
        {
            b.AddScoring();
            b.Services.AddSingleton(calls);
            b.Services.AddGrpc(grpc => grpc.Interceptors.Add<RedisCallLog>());
            if (clock is not null)
            {
                b.Services.AddSingleton(clock);
            }
        }, a => a.MapGrpcService<ScoringApi>(), settings);
        host.Services.GetRequiredService<RedisConnection>().Multiplexer.RegisterProfiler(RedisCallLog.Session);
        return (host, calls);
    }

    /// <summary>Publishes events (payload, subject) on their catalogue topics, in the given order, each in its own commit.</summary>
    public async Task PublishAsync(IEnumerable<(IMessage Payload, string Subject)> events)
    {
        var executor = _host.Services.GetRequiredService<UnitOfWorkExecutor>();
        foreach (var (payload, subject) in events)
        {
            await executor.ExecuteAsync(null, (work, _) =>
            {
                work.Publish(PlatformEvents.TypeOf(payload.Descriptor), subject, payload);
                return Task.CompletedTask;
            }, CancellationToken.None);
        }
    }

    /// <summary>Publishes every event of <paramref name="orders"/> (order by order, each order's in sequence) and waits until Scoring has caught up.</summary>
    public async Task DeliverAsync(IEnumerable<TestOrder> orders)
    {
        await PublishAsync(orders.SelectMany(o => o.Events()));
        await CaughtUpAsync();
    }

    /// <summary>Waits until Scoring has handled every event published so far and re-evaluated every seller.</summary>
    public Task CaughtUpAsync() =>
        new PlatformProbe(Db, new Dictionary<string, string[]>
        {
            [PlatformEvents.Topics.Orders] = [AppId],
            [PlatformEvents.Topics.Reviews] = [AppId],
            [PlatformEvents.Topics.Messaging] = [AppId],
        }).WaitUntilCaughtUpAsync(TimeSpan.FromSeconds(60));

    public Task<GigScore> GigScoreAsync(string gigId, string sellerId) =>
        Client.GetGigScoreAsync(new GetGigScoreRequest { GigId = gigId }, Authorization(Bearer(sellerId, CallerRole.Seller))).ResponseAsync;

    public Task<SellerScore> SellerScoreAsync(string sellerId) =>
        Client.GetSellerScoreAsync(new GetSellerScoreRequest { SellerId = sellerId }, Authorization(Bearer(sellerId, CallerRole.Seller))).ResponseAsync;

    public Task<SellerLevel> SellerLevelAsync(string sellerId, string callerId, params CallerRole[] roles) =>
        Client.GetSellerLevelAsync(new GetSellerLevelRequest { SellerId = sellerId }, Authorization(Bearer(callerId, roles))).ResponseAsync;

    public Task<EvaluationSummary> RunEvaluationAsync() =>
        Client.RunEvaluationAsync(new RunEvaluationRequest { RequestId = Guid.NewGuid().ToString("N") }, Authorization(Bearer("ops", CallerRole.Internal))).ResponseAsync;

    /// <summary>The <c>data</c> payload of the CloudEvents on topic <c>scoring</c> about a seller, parsed.</summary>
    public async Task<IReadOnlyList<T>> ScoringPayloadsAsync<T>(string sellerId, MessageParser<T> parser)
        where T : IMessage<T> =>
        (await ScoringEventsAsync())
            .Where(e => e.Subject == sellerId && e.Type == PlatformEvents.TypeOf(parser.ParseFrom([]).Descriptor))
            .Select(e => parser.ParseJson(e.Data))
            .ToList();

    public static string Bearer(string subject, params CallerRole[] roles) => TestIdentity.Bearer(subject, roles);

    /// <summary>The Gig's aggregate as Scoring stores it.</summary>
    public async Task<Engine.GigAggregate> AggregateAsync(string gigId) =>
        GigRecord.FromFields(gigId, HashReader.From("gig " + gigId, await Db.HashGetAllAsync(ScoringKeys.Gig(gigId)))).Aggregate;

    /// <summary>
    /// Every scoring:* key with its content, one line per hash field, set or sorted-set member,
    /// string or stream length: to show that a refused call changed nothing.
    /// </summary>
    public async Task<IReadOnlyList<string>> StateAsync()
    {
        var server = _redis.Admin.GetServer(_redis.Admin.GetEndPoints()[0]);
        var lines = new List<string>();
        foreach (var key in server.Keys(pattern: $"{AppId}:*").Select(k => (string)k!).Order(StringComparer.Ordinal))
        {
            switch (await Db.KeyTypeAsync(key))
            {
                case RedisType.Hash:
                    lines.AddRange((await Db.HashGetAllAsync(key)).Select(e => $"{key} {e.Name}={e.Value}").Order(StringComparer.Ordinal));
                    break;
                case RedisType.Set:
                    lines.AddRange((await Db.SetMembersAsync(key)).Select(m => $"{key} {m}").Order(StringComparer.Ordinal));
                    break;
                case RedisType.SortedSet:
                    lines.AddRange((await Db.SortedSetRangeByRankWithScoresAsync(key)).Select(e => $"{key} {e.Element}={e.Score:R}"));
                    break;
                case RedisType.String:
                    lines.Add($"{key} {await Db.StringGetAsync(key)}");
                    break;
                default:
                    lines.Add($"{key} length={(long)await Db.ExecuteAsync("XLEN", key)}");
                    break;
            }
        }

        return lines;
    }

    /// <summary>The CloudEvents on a stream (default: topic <c>scoring</c>), in stream order.</summary>
    public async Task<IReadOnlyList<CloudEvent>> ScoringEventsAsync(string stream = PlatformEvents.Topics.Scoring) =>
        (await TopicHistory.ReadAsync(Db, stream)).Select(e => e.Event).ToList();

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _redis.DisposeAsync();
    }
}
