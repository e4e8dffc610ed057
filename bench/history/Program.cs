using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Marketplace.Contracts.Scoring.V1;
using Marketplace.Hosting;
using Marketplace.Hosting.Identity;
using Marketplace.Scoring;
using Marketplace.Scoring.Api;
using Marketplace.Scoring.Engine;
using Marketplace.Scoring.Store;
using Marketplace.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using static Marketplace.Clients.PlatformClients;

// Usage: History.Bench [gigs] [groups] [calls] [memoryGigs] [evaluations]
//   defaults 100000 10 20000 1000 100
// 1. Bytes per Gig per evaluation: <memoryGigs> Gigs each get <evaluations> history entries (an
//    order added every few evaluations), written as the evaluation writes them; MEMORY USAGE of
//    each Gig's history key (exact, SAMPLES 0) over the number of entries, plus the group
//    snapshot's bytes per Gig, plus a change-log entry's.
// 2. ExplainScoreChange at <gigs> Gigs in <groups> peer groups: two evaluations of every Gig, its
//    group snapshots, its change log between them (1-3 new orders), its record, its ranking and
//    its group's means, loaded straight into a real Redis through the stores' record types; then
//    <calls> RPCs over gRPC (typed client, the Gig's seller's token) at random Gigs, one in flight
//    and 16 in flight, with p50/p99, next to GetGigScore on the same Gigs.
int Arg(int i, int fallback) => args.Length > i ? int.Parse(args[i], CultureInfo.InvariantCulture) : fallback;
int gigs = Arg(0, 100_000), groups = Arg(1, 10), calls = Arg(2, 20_000), memoryGigs = Arg(3, 1_000), evaluations = Arg(4, 100);

await using var redis = await RedisServer.StartAsync();
await using var host = await ServiceHost.StartAsync("scoring", redis.ConnectionString, b => b.AddScoring(), a => a.MapGrpcService<ScoringApi>(),
    new Dictionary<string, string?> { ["Scoring:EvaluationIntervalMinutes"] = "10080" });
var options = host.Services.GetRequiredService<IOptions<ScoringOptions>>().Value;
var policy = options.Policy;
string version = PolicyVersion.Of(policy);
var db = redis.Admin.GetDatabase();
var server = redis.Admin.GetServer(redis.Admin.GetEndPoints()[0]);
var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
var rng = new Random(20261201);

Console.WriteLine($"history benchmark: redis-server {server.Version}, {Environment.ProcessorCount} cores, .NET {Environment.Version}");

// ---- 1. bytes per Gig per evaluation ----
long entryBytes = 0, entries = 0, historyMemory = 0;
long changeBytes = 0, changeEntries = 0, changeMemory = 0;
for (int g = 0; g < memoryGigs; g++)
{
    string gigId = $"mem-{g:D5}";
    var ledger = new GigLedger(gigId, policy);
    int orderNo = 0;
    var batch = new List<Task>();
    for (int i = 0; i < 5; i++)
    {
        ledger.Upsert(Facts(gigId, orderNo++, t0.AddDays(i)));
    }

    long rev = orderNo;
    for (int e = 0; e < evaluations; e++)
    {
        if (e % 3 == 0)
        {
            string orderId = $"{gigId}-o{orderNo}";
            ledger.Upsert(Facts(gigId, orderNo++, t0.AddDays(5 + e)));
            rev++;
            var change = ChangeLogEntry.Of(rev, 0, orderId, ChangeReason.NewOrder, null, ledger.Counted[orderId]).Single().ToBytes();
            changeBytes += change.Length;
            changeEntries++;
            batch.Add(db.SortedSetAddAsync(ScoringKeys.GigChanges(gigId), change, rev));
        }

        long ms = t0.AddDays(200 + e).ToUnixTimeMilliseconds();
        var entry = new GigHistoryEntry(ms, rev, "b3:c:logo-design", 0.8 + rng.NextDouble() / 10, rng.NextDouble(), ledger.Aggregate).ToBytes();
        entryBytes += entry.Length;
        entries++;
        batch.Add(db.StreamAddAsync(ScoringKeys.GigHistory(gigId), GigHistoryEntry.Field, entry, $"{ms}-0"));
    }

    await Task.WhenAll(batch);
    historyMemory += (long)await db.ExecuteAsync("MEMORY", "USAGE", ScoringKeys.GigHistory(gigId), "SAMPLES", "0");
    changeMemory += (long)await db.ExecuteAsync("MEMORY", "USAGE", ScoringKeys.GigChanges(gigId), "SAMPLES", "0");
}

double perEvaluation = (double)historyMemory / entries;
var snapshot = GroupEvaluation.ToBytes(PeerMeans.Uniform(0.8), Enumerable.Range(0, 10_000).Select(_ => rng.NextDouble()).ToList());
await db.StringSetAsync("bench:snapshot", snapshot);
double snapshotPerGig = (double)(long)await db.ExecuteAsync("MEMORY", "USAGE", "bench:snapshot", "SAMPLES", "0") / 10_000;
Console.WriteLine();
Console.WriteLine($"1. bytes per Gig per evaluation ({memoryGigs:N0} Gigs x {evaluations} evaluations, MEMORY USAGE ... SAMPLES 0):");
Console.WriteLine($"   Gig history entry, raw:                       {(double)entryBytes / entries,8:F1} B");
Console.WriteLine($"   Gig history entry in its stream:              {perEvaluation,8:F1} B");
Console.WriteLine($"   group snapshot (sorted qualities) per Gig:    {snapshotPerGig,8:F1} B");
Console.WriteLine($"   per Gig per evaluation:                       {perEvaluation + snapshotPerGig,8:F1} B");
Console.WriteLine($"   change-log entry, raw / in its sorted set:    {(double)changeBytes / changeEntries,8:F1} B / {(double)changeMemory / changeEntries:F1} B");
Console.WriteLine($"   400 daily evaluations x 100,000 Gigs:         {(perEvaluation + snapshotPerGig) * 400 * 100_000 / 1e9,8:F2} GB");
await db.ExecuteAsync("FLUSHALL");

// ---- 2. ExplainScoreChange at <gigs> Gigs ----
var load = Stopwatch.StartNew();
long e1 = t0.AddDays(300).ToUnixTimeMilliseconds(), e2 = t0.AddDays(301).ToUnixTimeMilliseconds();
var before = new GigAggregate[gigs];
var after = new GigAggregate[gigs];
var changes = new List<byte[]>[gigs];
var revisions = new (long Before, long After)[gigs];
for (int g = 0; g < gigs; g++)
{
    string gigId = GigId(g);
    var ledger = new GigLedger(gigId, policy);
    int orders = 5 + rng.Next(16);
    for (int o = 0; o < orders; o++)
    {
        ledger.Upsert(Facts(gigId, o, t0.AddDays(rng.Next(280))));
    }

    before[g] = ledger.Aggregate.Clone();
    revisions[g].Before = 2 * orders;
    changes[g] = [];
    int added = 1 + rng.Next(3);
    for (int o = orders; o < orders + added; o++)
    {
        string orderId = $"{gigId}-o{o}";
        ledger.Upsert(Facts(gigId, o, t0.AddDays(280 + rng.Next(20))));
        long rev = revisions[g].Before + 2 * (o - orders + 1);
        changes[g].Add(ChangeLogEntry.Of(rev, 0, orderId, ChangeReason.NewOrder, null, ledger.Counted.GetValueOrDefault(orderId)).Single().ToBytes());
    }

    after[g] = ledger.Aggregate.Clone();
    revisions[g].After = revisions[g].Before + 2 * added;
}

var pending = new List<Task>();
async Task Flush(int limit)
{
    if (pending.Count >= limit)
    {
        await Task.WhenAll(pending);
        pending.Clear();
    }
}

foreach (var (e, ms) in new[] { (1, e1), (2, e2) })
{
    string id = ms.ToString(CultureInfo.InvariantCulture);
    pending.Add(db.SortedSetAddAsync(ScoringKeys.Evaluations, id, ms));
    pending.Add(db.HashSetAsync(ScoringKeys.EvaluationPolicies, id, version));
}

pending.Add(db.HashSetAsync(ScoringKeys.Policies, version, ScoringNumbers.Of(policy).ToJson()));
for (int k = 0; k < groups; k++)
{
    var members = Enumerable.Range(0, gigs).Where(g => g % groups == k).ToList();
    var group = new PeerGroupKey(3, $"cat-{k}");
    string suffix = group.RedisKeySuffix;
    foreach (var (ms, aggregates) in new[] { (e1, before), (e2, after) })
    {
        var means = PeerStats.Of(members.Select(g => aggregates[g]), policy).Means(policy);
        var qualities = members.Select(g => GigScorer.Quality(aggregates[g], means, policy).Quality).ToList();
        var percentiles = Percentile.OfAll(qualities);
        pending.Add(db.StringSetAsync(ScoringKeys.PeerEvaluation(suffix, ms), GroupEvaluation.ToBytes(means, qualities)));
        for (int i = 0; i < members.Count; i++)
        {
            int g = members[i];
            long rev = ms == e1 ? revisions[g].Before : revisions[g].After;
            pending.Add(db.StreamAddAsync(ScoringKeys.GigHistory(GigId(g)), GigHistoryEntry.Field, new GigHistoryEntry(ms, rev, suffix, qualities[i], percentiles[i], aggregates[g]).ToBytes(), $"{ms}-0"));
            if (ms == e2)
            {
                // What GetGigScore reads: the Gig's record, its ranking entry and its group's means snapshot.
                var record = new GigRecord { GigId = GigId(g), Revision = rev, SellerId = SellerId(g), Category = group.Category!, PriceBand = 3, PriceFromCreatedTicks = 1, PriceFromOrder = "o", Aggregate = aggregates[g] };
                pending.Add(db.HashSetAsync(ScoringKeys.Gig(GigId(g)), [.. record.ToEntries().Select(f => new HashEntry(f.Key, f.Value))]));
                pending.Add(db.SortedSetAddAsync(ScoringKeys.PeerRanking(suffix), GigId(g), qualities[i]));
                pending.AddRange(changes[g].Select(c => db.SortedSetAddAsync(ScoringKeys.GigChanges(GigId(g)), c, ChangeLogEntry.Parse(c).Revision)));
            }

            await Flush(20_000);
        }

        if (ms == e2)
        {
            pending.Add(db.HashSetAsync(ScoringKeys.PeerMeans(suffix),
                [.. Areas.All.Select(a => new HashEntry($"m{(int)a}", means[a].ToString("R", CultureInfo.InvariantCulture))), new HashEntry("at", e2), new HashEntry("gigs", members.Count)]));
        }
    }
}

await Flush(0);
var info = (await server.InfoAsync("memory")).SelectMany(s => s).ToDictionary(p => p.Key, p => p.Value);
Console.WriteLine();
Console.WriteLine($"2. {gigs:N0} Gigs in {groups} groups, 2 evaluations each, loaded in {load.Elapsed.TotalSeconds:F1} s; Redis used_memory {long.Parse(info["used_memory"], CultureInfo.InvariantCulture) / 1e6:F0} MB");

var client = host.Client<ScoringService.ScoringServiceClient>();
var tokens = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
string Token(int g) => tokens.GetOrAdd(SellerId(g), seller => TestIdentity.Bearer(seller, CallerRole.Seller));

int wrong = 0;
async Task<double> ExplainOnce(int g)
{
    var headers = Authorization(Token(g));
    var clock = Stopwatch.StartNew();
    var answer = await client.ExplainScoreChangeAsync(new ExplainScoreChangeRequest { GigId = GigId(g) }, headers).ResponseAsync;
    double ms = clock.Elapsed.TotalMilliseconds;
    if (answer.NothingToCompare || answer.TopOrders.Count == 0 || Math.Abs(answer.TotalChange - answer.OwnChange - answer.PeerMovement - answer.PolicyEffect) > 1e-9)
    {
        Interlocked.Increment(ref wrong);
    }

    return ms;
}

async Task<double> ScoreOnce(int g)
{
    var headers = Authorization(Token(g));
    var clock = Stopwatch.StartNew();
    var answer = await client.GetGigScoreAsync(new GetGigScoreRequest { GigId = GigId(g) }, headers).ResponseAsync;
    double ms = clock.Elapsed.TotalMilliseconds;
    if (!answer.HasScore)
    {
        Interlocked.Increment(ref wrong);
    }

    return ms;
}

async Task<(double P50, double P99, double PerSecond)> Measure(Func<int, Task<double>> call, int inFlight)
{
    var picks = Enumerable.Range(0, calls).Select(_ => rng.Next(gigs)).ToArray();
    foreach (var g in picks.Take(Math.Min(2_000, calls)))
    {
        await call(g); // warm-up
    }

    var latencies = new double[calls];
    int next = -1;
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, inFlight).Select(async _ =>
    {
        for (int i; (i = Interlocked.Increment(ref next)) < calls;)
        {
            latencies[i] = await call(picks[i]);
        }
    }));
    double seconds = clock.Elapsed.TotalSeconds;
    Array.Sort(latencies);
    return (latencies[calls / 2], latencies[(int)Math.Ceiling(calls * 0.99) - 1], calls / seconds);
}

foreach (int inFlight in new[] { 1, 16 })
{
    var explain = await Measure(ExplainOnce, inFlight);
    var score = await Measure(ScoreOnce, inFlight);
    Console.WriteLine($"   {inFlight,2} in flight, {calls:N0} calls each:");
    Console.WriteLine($"     ExplainScoreChange  p50 {explain.P50,6:F2} ms   p99 {explain.P99,6:F2} ms   {explain.PerSecond,7:N0} calls/s");
    Console.WriteLine($"     GetGigScore         p50 {score.P50,6:F2} ms   p99 {score.P99,6:F2} ms   {score.PerSecond,7:N0} calls/s");
    Console.WriteLine($"     ratio Explain / GetGigScore: p50 {explain.P50 / score.P50:F2}, p99 {explain.P99 / score.P99:F2}");
}

Console.WriteLine(wrong == 0 ? "   every answer checked: two evaluations compared, orders named, own + peers + policy = total" : $"   {wrong} answers were not as expected");
return wrong == 0 ? 0 : 1;

static string GigId(int g) => $"gig-{g:D6}";

static string SellerId(int g) => $"seller-{g / 3:D6}";

// A completed order of the Gig: 120 USD, sometimes late, sometimes reviewed.
OrderFacts Facts(string gigId, int n, DateTimeOffset created)
{
    var due = created.AddDays(7);
    var delivered = due.AddHours(rng.Next(4) == 0 ? rng.Next(1, 72) : -rng.Next(1, 48));
    return new OrderFacts
    {
        OrderId = $"{gigId}-o{n}",
        GigId = gigId,
        AmountUsd = 120m,
        CreatedAt = created,
        DueAt = due,
        FirstDeliveryAt = delivered,
        CompletedAt = delivered.AddDays(1),
        DisputeOpened = rng.Next(20) == 0,
        Review = rng.Next(3) == 0 ? null : new ReviewFacts(1 + rng.Next(5), 1 + rng.Next(5), 1 + rng.Next(5), 1 + rng.Next(5), rng.Next(2) == 0),
    };
}
