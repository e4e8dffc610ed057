using Google.Protobuf;
using Marketplace.Contracts.Scoring.V1;
using Marketplace.EventBus;
using Marketplace.EventBus.Redis;
using Marketplace.Grpc;
using Marketplace.Hosting.Identity;
using Marketplace.Platform;
using Marketplace.Scenario;
using Marketplace.Scoring.Store;
using Marketplace.Testing;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Marketplace.Scoring.Tests;

/// <summary>
/// A real redis-server and the Scoring service in-process on free ports, one per test, so peer
/// groups never mix between tests. Events reach the service through the real bus: published on
/// their topics through the host's unit-of-work executor (outbox, relay, stream, consumer group).
/// </summary>
public sealed class ScoringHarness : IAsyncDisposable
{
    private static readonly Google.Protobuf.Reflection.ServiceDescriptor Service = ScoringServiceReflection.Descriptor.Services[0];

    private readonly RedisServer _redis;
    private readonly ServiceHost _host;
    private readonly GrpcChannel _channel;

    private ScoringHarness(RedisServer redis, ServiceHost host)
    {
        _redis = redis;
        _host = host;
        _channel = GrpcChannel.ForAddress(host.GrpcAddress);
    }

    public IDatabase Db => _redis.Admin.GetDatabase();

    public ServiceHost Host => _host;

    public Engine.ScoringPolicy Policy => _host.Services.GetRequiredService<ScoringOptions>().Policy;

    public static async Task<ScoringHarness> StartAsync(IDictionary<string, string?>? extra = null, TimeProvider? clock = null)
    {
        var redis = await RedisServer.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            // Short waits so the tests' polling sees events quickly; they never decide a pass or a fail.
            ["EventBus:ReadTimeoutMs"] = "200",
            ["EventBus:RedeliverIntervalMs"] = "500",
            ["EventBus:ProcessingTimeoutMs"] = "2000",
            ["EventBus:MaxAttempts"] = "2",
            ["ScoringService:SellerEvaluationPollMs"] = "20",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var host = await ServiceHost.StartAsync("scoring", redis.ConnectionString, b =>
        {
            b.AddScoring();
            if (clock is not null)
            {
                b.Services.AddSingleton(clock);
            }
        }, a => a.MapScoring(), settings);
        return new ScoringHarness(redis, host);
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

    /// <summary>Waits until Scoring has handled every event published so far and re-evaluated every seller.</summary>
    public Task CaughtUpAsync() =>
        new PlatformProbe(Db, new Dictionary<string, string[]>
        {
            ["orders"] = ["scoring"],
            ["reviews"] = ["scoring"],
            ["messaging"] = ["scoring"],
        }).WaitUntilCaughtUpAsync(TimeSpan.FromSeconds(60));

    public Task<TResponse> CallAsync<TRequest, TResponse>(string rpc, TRequest request, string? bearer)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse> =>
        _channel.CallAsync<TRequest, TResponse>(Service.FindMethodByName(rpc), request, bearer);

    public Task<GigScore> GigScoreAsync(string gigId, string sellerId) =>
        CallAsync<GetGigScoreRequest, GigScore>("GetGigScore", new GetGigScoreRequest { GigId = gigId }, Bearer(sellerId, CallerRole.Seller));

    public Task<SellerScore> SellerScoreAsync(string sellerId) =>
        CallAsync<GetSellerScoreRequest, SellerScore>("GetSellerScore", new GetSellerScoreRequest { SellerId = sellerId }, Bearer(sellerId, CallerRole.Seller));

    public Task<SellerLevel> SellerLevelAsync(string sellerId, string callerId, params CallerRole[] roles) =>
        CallAsync<GetSellerLevelRequest, SellerLevel>("GetSellerLevel", new GetSellerLevelRequest { SellerId = sellerId }, Bearer(callerId, roles));

    public Task<EvaluationSummary> RunEvaluationAsync() =>
        CallAsync<RunEvaluationRequest, EvaluationSummary>("RunEvaluation",
            new RunEvaluationRequest { RequestId = Guid.NewGuid().ToString("N") }, Bearer("ops", CallerRole.Internal));

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
        GigRecord.FromHash(gigId, HashFields.Of(await Db.HashGetAllAsync(ScoringKeys.Gig(gigId)))).Aggregate;

    /// <summary>
    /// Every scoring:* key with its content, one line per hash field, set or sorted-set member,
    /// string or stream length: to show that a refused call changed nothing.
    /// </summary>
    public async Task<IReadOnlyList<string>> StateAsync()
    {
        var server = _redis.Admin.GetServer(_redis.Admin.GetEndPoints()[0]);
        var lines = new List<string>();
        foreach (var key in server.Keys(pattern: "scoring:*").Select(k => (string)k!).Order(StringComparer.Ordinal))
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
        _channel.Dispose();
        await _host.DisposeAsync();
        await _redis.DisposeAsync();
    }
}
