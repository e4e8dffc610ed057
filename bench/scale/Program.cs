using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Marketplace.Bench.Shared;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.Contracts.Scoring.V1;
using Marketplace.EventBus;
using Marketplace.Hosting.Identity;
using Marketplace.Platform;
using Marketplace.Scale.Bench;
using Marketplace.Scoring;
using Marketplace.Scoring.Engine;
using Marketplace.Scoring.Rebuild;
using Marketplace.Scoring.Store;
using StackExchange.Redis;

// make bench-scale (bench/scale/run.sh) drives these verbs; each prints key=value lines run.sh reads.
//   load <redis> <gigs> <sellers> <orders per Gig>   bulk loader: Scoring's layout, computed with the engine
//   memory <redis> <gigs> <sellers> <samples>         MEMORY USAGE of sampled keys, split by part, per Gig
//   frame <file> <gig>                                the framed GetGigScoreRequest h2load sends
//   token <signing key>                               an internal caller's bearer value
//   ingest <redis> <gigs> <sellers> <orders>          order/review events into the topic streams; waits until Scoring caught up
//   warm-ingest <redis> <gigs> <sellers> <orders> <scoring pid> <settled ms> <max rounds>
//                                                     rounds of other orders' events until Scoring's tiered compiler is quiet
//   warm-command <pid> <settled ms> <max rounds> <command> [args...]
//                                                     runs the command (an h2load chunk) until that process's tiered compiler is quiet
//   evaluate <grpc address> <signing key> [deadline s] RunEvaluation, timed to its answer
if (args.Length < 1)
{
    Console.Error.WriteLine("usage: Scale.Bench load|memory|frame|token|ingest|warm-ingest|warm-command|evaluate ...");
    return 2;
}

int Int(int i) => int.Parse(args[i], CultureInfo.InvariantCulture);
string F(double x, string format = "F1") => x.ToString(format, CultureInfo.InvariantCulture);

switch (args[0])
{
    case "load":
        return await LoadAsync(args[1], new World(Int(2), Int(3)), Int(4));
    case "memory":
        return await MemoryAsync(args[1], new World(Int(2), Int(3)), Int(4));
    case "frame":
    {
        byte[] payload = new GetGigScoreRequest { GigId = args[2] }.ToByteArray();
        byte[] frame = new byte[5 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        File.WriteAllBytes(args[1], frame);
        return 0;
    }

    case "token":
        Console.WriteLine(new TokenIssuer(args[1]).Bearer("bench-scale", CallerRole.Internal));
        return 0;
    case "ingest":
        return await IngestAsync(args[1], new World(Int(2), Int(3)), Int(4));
    case "warm-ingest":
        return await WarmIngestAsync(args[1], new World(Int(2), Int(3)), Int(4), Int(5), Int(6), Int(7));
    case "warm-command":
        return await WarmCommandAsync(Int(1), Int(2), Int(3), args[4], args[5..]);
    case "evaluate":
        return await EvaluateAsync(args[1], args[2]);
    default:
        Console.Error.WriteLine($"unknown verb '{args[0]}'");
        return 2;
}

// ---- bulk loader ----

// Writes what Scoring's event path would have written for these orders (the order records with
// their counted contributions, the Gigs' aggregates and included orders, the sellers' Gigs, totals,
// clients and ratings, the peer groups' sums and rankings), computed with the engine
// (ScoreRebuilder.Compute, the rebuild's from-scratch path) and written pipelined in chunks. The
// rankings are at the policy prior, as before a group's first evaluation.
async Task<int> LoadAsync(string redis, World world, int ordersPerGig)
{
    var clock = Stopwatch.StartNew();
    var options = new ScoringOptions();
    var policy = options.Policy;
    var prior = PeerMeans.Uniform(policy.PriorAreaMean);
    using var connection = await ConnectionMultiplexer.ConnectAsync(redis + ",syncTimeout=60000,asyncTimeout=60000");
    var db = connection.GetDatabase();
    var stats = new Dictionary<string, PeerStats>(StringComparer.Ordinal);
    var scoredGroups = new HashSet<string>(StringComparer.Ordinal);
    long orders = 0, scored = 0;
    const int chunk = 2_000;
    var inFlight = new List<Task>();
    for (int start = 0; start < world.Gigs; start += chunk)
    {
        int end = Math.Min(world.Gigs, start + chunk);
        // The CPU part (protobuf snapshots, records, the engine) in parallel; Redis writes in one pipeline per chunk.
        var builds = new (GigBuild Build, List<(string Id, OrderRecord Record)> Orders)[end - start];
        Parallel.For(start, end, g =>
        {
            var records = new List<(string, OrderRecord)>(ordersPerGig);
            for (int k = 0; k < ordersPerGig; k++)
            {
                int seed = (g * 31) + k;
                var order = world.Order(g, $"o-{g}-{k}", seed, OrderState.Completed);
                var record = OrderRecord.Empty.WithOrder(order);
                if (World.ReviewOf(order, seed) is { } review)
                {
                    record = record.WithReview(review);
                }

                records.Add(($"o-{g}-{k}", record));
            }

            builds[g - start] = (ScoreRebuilder.Compute(World.GigId(g), records, options, revision: 1), records);
        });

        var batch = db.CreateBatch();
        var writes = new List<Task>(builds.Length * (8 + (4 * ordersPerGig)));
        foreach (var (build, records) in builds)
        {
            var gig = build.Gig;
            var counted = build.Counted.ToDictionary(c => c.OrderId, c => c.Contribution, StringComparer.Ordinal);
            foreach (var (id, plain) in records)
            {
                var record = counted.TryGetValue(id, out var contribution) ? plain with { Counted = contribution } : plain;
                writes.Add(batch.HashSetAsync(ScoringKeys.Order(id), Entries(record.ToFields())));
                writes.Add(batch.HashIncrementAsync(ScoringKeys.SellerTotals(gig.SellerId), "completed", 1));
                writes.Add(batch.HashIncrementAsync(ScoringKeys.SellerTotals(gig.SellerId), "earned_cents", record.AmountMinor - record.RefundedMinor));
                writes.Add(batch.SetAddAsync(ScoringKeys.SellerClients(gig.SellerId), record.BuyerId));
                if (record.HasPublishedReview)
                {
                    long published = new DateTimeOffset(record.ReviewPublishedTicks!.Value, TimeSpan.Zero).ToUnixTimeSeconds();
                    writes.Add(batch.HashSetAsync(ScoringKeys.SellerRatings(gig.SellerId), id, $"{published} {record.Ratings!.Overall}"));
                }
            }

            orders += records.Count;
            writes.Add(batch.SetAddAsync(ScoringKeys.GigOrders(gig.GigId), records.Select(r => (RedisValue)r.Id).ToArray()));
            writes.Add(batch.HashSetAsync(ScoringKeys.Gig(gig.GigId), [.. gig.ToEntries().Select(e => new HashEntry(e.Key, e.Value))]));
            if (build.Included.Count > 0)
            {
                writes.Add(batch.SortedSetAddAsync(ScoringKeys.GigIncluded(gig.GigId), build.Included.Select(e => new SortedSetEntry(e.OrderId, e.Time)).ToArray()));
            }

            writes.Add(batch.SetAddAsync(ScoringKeys.SellerGigs(gig.SellerId), gig.GigId));
            writes.Add(batch.SetAddAsync(ScoringKeys.Sellers, gig.SellerId));
            bool counts = PeerStats.Counts(gig.Aggregate, policy);
            scored += counts ? 1 : 0;
            double quality = counts ? GigScorer.Quality(gig.Aggregate, prior, policy).Quality : 0;
            foreach (var group in gig.Groups)
            {
                var suffix = group.RedisKeySuffix;
                if (!stats.TryGetValue(suffix, out var sum))
                {
                    stats[suffix] = sum = new PeerStats();
                }

                sum.Add(PeerStats.Delta(null, gig.Aggregate, policy));
                if (counts)
                {
                    writes.Add(batch.SortedSetAddAsync(ScoringKeys.PeerRanking(suffix), gig.GigId, quality));
                    scoredGroups.Add(suffix);
                }
            }
        }

        batch.Execute();
        // Two chunks in flight: the next chunk's computation overlaps this one's writes.
        inFlight.Add(Task.WhenAll(writes));
        if (inFlight.Count > 1)
        {
            await inFlight[0];
            inFlight.RemoveAt(0);
        }

        if ((start / chunk) % 50 == 0)
        {
            Console.Error.WriteLine($"  loaded {end:N0} Gigs, {orders:N0} orders, {F(clock.Elapsed.TotalSeconds)} s");
        }
    }

    await Task.WhenAll(inFlight);
    var final = db.CreateBatch();
    var last = new List<Task>();
    foreach (var (suffix, sum) in stats)
    {
        var fields = Areas.All.SelectMany(a => new[] { new HashEntry($"n{(int)a}", sum.Count(a)), new HashEntry($"s{(int)a}", sum.Sum(a)) })
            .Where(e => (long)e.Value != 0).ToArray();
        if (fields.Length > 0)
        {
            last.Add(final.HashSetAsync(ScoringKeys.PeerStats(suffix), fields));
        }
    }

    last.Add(final.SetAddAsync(ScoringKeys.PeerGroups, scoredGroups.Select(s => (RedisValue)s).ToArray()));
    final.Execute();
    await Task.WhenAll(last);
    Console.WriteLine($"gigs={world.Gigs} sellers={world.Sellers} orders={orders} scored_gigs={scored} peer_groups={scoredGroups.Count} load_seconds={F(clock.Elapsed.TotalSeconds)}");
    return 0;
}

static HashEntry[] Entries(Marketplace.Hosting.HashWriter fields) => fields.Entries.Select(e => new HashEntry(e.Key, e.Value)).ToArray();

// ---- memory split ----

// MEMORY USAGE (SAMPLES 0: every element) of the keys of <samples> evenly spread Gigs and sellers,
// scaled to the whole load; the peer groups' keys are measured all. Prints bytes per Gig per part.
async Task<int> MemoryAsync(string redis, World world, int samples)
{
    using var connection = await ConnectionMultiplexer.ConnectAsync(redis);
    var db = connection.GetDatabase();
    async Task<long> Usage(string key) => (long?)await db.ExecuteAsync("MEMORY", "USAGE", key, "SAMPLES", "0") is { } n ? n : 0;

    long gigPart = 0, orderPart = 0, sellerPart = 0, peerPart = 0;
    int step = Math.Max(1, world.Gigs / samples), gigSamples = 0;
    for (int g = 0; g < world.Gigs; g += step, gigSamples++)
    {
        string id = World.GigId(g);
        gigPart += await Usage(ScoringKeys.Gig(id)) + await Usage(ScoringKeys.GigIncluded(id));
        orderPart += await Usage(ScoringKeys.GigOrders(id));
        foreach (var order in await db.SetMembersAsync(ScoringKeys.GigOrders(id)))
        {
            orderPart += await Usage(ScoringKeys.Order((string)order!));
        }
    }

    int sellerStep = Math.Max(1, world.Sellers / samples), sellerSamples = 0;
    for (int s = 0; s < world.Sellers; s += sellerStep, sellerSamples++)
    {
        string id = $"s-{s}";
        foreach (var key in new[] { ScoringKeys.Seller(id), ScoringKeys.SellerGigs(id), ScoringKeys.SellerRatings(id), ScoringKeys.SellerTotals(id), ScoringKeys.SellerClients(id) })
        {
            sellerPart += await Usage(key);
        }
    }

    var groups = (await db.SetMembersAsync(ScoringKeys.PeerGroups)).Select(v => (string)v!).ToList();
    foreach (var group in groups)
    {
        peerPart += await Usage(ScoringKeys.PeerRanking(group)) + await Usage(ScoringKeys.PeerStats(group)) + await Usage(ScoringKeys.PeerMeans(group));
    }

    double perGig = 1.0 / world.Gigs;
    double gigs = (double)gigPart / gigSamples, ordersPerGig = (double)orderPart / gigSamples;
    double sellers = (double)sellerPart / sellerSamples * world.Sellers * perGig, peers = peerPart * perGig;
    Console.WriteLine($"mem_gig={F(gigs)} mem_orders={F(ordersPerGig)} mem_sellers={F(sellers)} mem_peers={F(peers)} mem_sampled_total={F(gigs + ordersPerGig + sellers + peers)}");
    string sample = World.GigId(0);
    var orderKey = ScoringKeys.Order((string)(await db.SetMembersAsync(ScoringKeys.GigOrders(sample)))[0]!);
    Console.Error.WriteLine($"  sample keys (MEMORY USAGE, bytes; encoding): {ScoringKeys.Gig(sample)} {await Usage(ScoringKeys.Gig(sample))} {await db.ExecuteAsync("OBJECT", "ENCODING", ScoringKeys.Gig(sample))}" +
        $" ({await db.HashLengthAsync(ScoringKeys.Gig(sample))} fields); {ScoringKeys.GigIncluded(sample)} {await Usage(ScoringKeys.GigIncluded(sample))};" +
        $" {ScoringKeys.GigOrders(sample)} {await Usage(ScoringKeys.GigOrders(sample))}; {orderKey} {await Usage(orderKey)} {await db.ExecuteAsync("OBJECT", "ENCODING", orderKey)} ({await db.HashLengthAsync(orderKey)} fields)");
    return 0;
}

// ---- event ingest ----

// Each new order of a random loaded Gig as Orders and Reviews publish it (orders.placed v1,
// orders.completed v2, reviews.published for 60 %), CloudEvents in the bus's layout written
// pipelined to the topic streams (XADD <topic> * data <CloudEvent JSON> metadata {}) while Scoring
// consumes them; events/s from the first entry written until Scoring's group on both topics has
// lag 0 and nothing pending (polled every 20 ms).
async Task<int> IngestAsync(string redis, World world, int newOrders)
{
    using var connection = await ConnectionMultiplexer.ConnectAsync(redis);
    if (await IngestRoundAsync(connection.GetDatabase(), world, newOrders, first: 0) is not { } round)
    {
        return 1;
    }

    Console.WriteLine($"ingest_events={round.Events} ingest_orders={newOrders} ingest_written_seconds={F(round.Written, "F2")} ingest_seconds={F(round.Seconds, "F2")} ingest_rate={F(round.Events / round.Seconds, "F0")} ingest_deadletter={round.DeadLettered}");
    return round.DeadLettered == 0 ? 0 : 1;
}

// The measured ingest is of a process in its steady state, as every benchmark here measures: before
// it, rounds of <orders> other orders (ids and facts apart from the measured ones) go through Scoring
// until its tiered compiler used at most <settled ms> of CPU during each of two rounds in a row
// (TieredCompilationMeter, read every 500 ms), at most <max rounds>. A process just started compiles
// its event path while it handles the first tens of thousands of events (perf, 2026-12-02: a quarter
// of Scoring's samples in the JIT during a cold ingest).
async Task<int> WarmIngestAsync(string redis, World world, int orders, int scoringPid, int settledMs, int maxRounds)
{
    using var connection = await ConnectionMultiplexer.ConnectAsync(redis);
    var meter = new TieredCompilationMeter([scoringPid]);
    var jit = new List<long>();
    int events = 0, quiet = 0;
    for (int round = 1; round <= maxRounds && quiet < 2; round++)
    {
        IngestRound? result = null;
        long compiled = await CompiledDuringAsync(meter, async () => result = await IngestRoundAsync(connection.GetDatabase(), world, orders, first: round * 10_000_000));
        if (result is not { } done || done.DeadLettered > 0)
        {
            return 1;
        }

        events += done.Events;
        jit.Add(compiled);
        quiet = compiled <= settledMs ? quiet + 1 : 0;
        Console.Error.WriteLine($"  warm-up round {round}: {done.Events} events at {done.Events / done.Seconds:F0}/s, tiered compilation {compiled} ms");
    }

    Console.WriteLine($"warmup_rounds={jit.Count} warmup_events={events} warmup_settled={(quiet >= 2 ? "yes" : "no")} warmup_jit_ms={string.Join(",", jit)}");
    return 0;
}

// Milliseconds of tiered compilation while <work> ran (the meter read every half second, since the
// compiler's thread ends when it runs out of work and its time would be lost with it).
static async Task<long> CompiledDuringAsync(TieredCompilationMeter meter, Func<Task> work)
{
    meter.Advance();
    using var sampling = new CancellationTokenSource();
    long compiled = 0;
    var sampler = Task.Run(async () =>
    {
        while (!sampling.IsCancellationRequested)
        {
            await Task.Delay(500, CancellationToken.None);
            Interlocked.Add(ref compiled, meter.Advance());
        }
    });
    try
    {
        await work();
    }
    finally
    {
        sampling.Cancel();
        await sampler;
    }

    return compiled + meter.Advance();
}

// Runs <command> (e.g. an h2load warm-up chunk) again and again until the process <pid>'s tiered
// compiler used at most <settledMs> ms during each of two runs in a row, at most <maxRounds> runs;
// prints the rounds and each one's compilation time. Fails when the command fails.
async Task<int> WarmCommandAsync(int pid, int settledMs, int maxRounds, string command, string[] arguments)
{
    var meter = new TieredCompilationMeter([pid]);
    var jit = new List<long>();
    int quiet = 0;
    for (int round = 1; round <= maxRounds && quiet < 2; round++)
    {
        int exit = 0;
        long compiled = await CompiledDuringAsync(meter, async () =>
        {
            var start = new ProcessStartInfo(command) { RedirectStandardOutput = true };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using var run = Process.Start(start)!;
            await run.StandardOutput.ReadToEndAsync();
            await run.WaitForExitAsync();
            exit = run.ExitCode;
        });
        if (exit != 0)
        {
            Console.Error.WriteLine($"{command} exited with {exit} in warm-up round {round}");
            return 1;
        }

        jit.Add(compiled);
        quiet = compiled <= settledMs ? quiet + 1 : 0;
    }

    Console.WriteLine($"warmup_rounds={jit.Count} warmup_settled={(quiet >= 2 ? "yes" : "no")} warmup_jit_ms={string.Join(",", jit)}");
    return 0;
}

// One round: the events of <newOrders> orders numbered from <first> (their ids and facts follow from
// the number), written, then waited for. Null when Scoring has no group yet or did not catch up.
async Task<IngestRound?> IngestRoundAsync(IDatabase db, World world, int newOrders, int first)
{
    var catalogue = PlatformEvents.Catalogue;
    var entries = new List<(string Topic, byte[] Data)>(newOrders * 3);
    var random = new Random(7 + first);
    for (int n = first; n < first + newOrders; n++)
    {
        int gig = random.Next(0, world.Gigs);
        var created = World.Now.AddMinutes(random.Next(0, 20 * 1440));
        string id = $"n-{n}";
        var placed = world.Order(gig, id, -n - 1, OrderState.Placed, created);
        var completed = world.Order(gig, id, -n - 1, OrderState.Completed, created);
        var events = new List<(string Source, IMessage Payload, string Subject)>
        {
            ("orders", new OrderPlaced { Order = placed }, id),
            ("orders", new OrderCompleted { Order = completed }, id),
        };
        if (World.ReviewOf(completed, -n - 1) is { } review)
        {
            events.Add(("reviews", new ReviewPublished { Review = review }, id));
        }

        foreach (var (source, payload, subject) in events)
        {
            var type = catalogue.Get(PlatformEvents.TypeOf(payload.Descriptor));
            entries.Add((type.Topic, CloudEvent.Create(source, type, "pubsub", subject, payload).ToJsonBytes()));
        }
    }

    var topics = entries.Select(e => e.Topic).Distinct().ToArray();
    foreach (var topic in topics)
    {
        if ((await db.StreamGroupInfoAsync(topic)).All(g => g.Name != "scoring"))
        {
            Console.Error.WriteLine($"Scoring has no consumer group on {topic} yet");
            return null;
        }
    }

    var clock = Stopwatch.StartNew();
    var writes = new List<Task>(entries.Count);
    foreach (var part in entries.Chunk(5_000))
    {
        var batch = db.CreateBatch();
        writes.AddRange(part.Select(e => (Task)batch.StreamAddAsync(e.Topic, [new NameValueEntry("data", e.Data), new NameValueEntry("metadata", "{}")])));
        batch.Execute();
    }

    await Task.WhenAll(writes);
    double written = clock.Elapsed.TotalSeconds;
    while (true)
    {
        long behind = 0;
        foreach (var topic in topics)
        {
            var group = (await db.StreamGroupInfoAsync(topic)).Single(g => g.Name == "scoring");
            behind += (group.Lag ?? 1) + group.PendingMessageCount;
        }

        if (behind == 0)
        {
            break;
        }

        if (clock.Elapsed > TimeSpan.FromMinutes(30))
        {
            Console.Error.WriteLine($"not caught up after 30 minutes: {behind} behind");
            return null;
        }

        await Task.Delay(20);
    }

    double seconds = clock.Elapsed.TotalSeconds;
    long dead = await db.KeyExistsAsync("scoring.deadletter") ? await db.StreamLengthAsync("scoring.deadletter") : 0;
    return new IngestRound(entries.Count, written, seconds, dead);
}

// ---- daily evaluation ----

async Task<int> EvaluateAsync(string address, string signingKey)
{
    using var channel = GrpcChannel.ForAddress(address);
    var client = new ScoringService.ScoringServiceClient(channel);
    var headers = new Metadata { { "authorization", new TokenIssuer(signingKey).Bearer("bench-scale", CallerRole.Internal) } };
    var clock = Stopwatch.StartNew();
    var deadline = DateTime.UtcNow.AddSeconds(args.Length > 3 ? Int(3) : 1800);
    EvaluationSummary summary;
    try
    {
        summary = await client.RunEvaluationAsync(new RunEvaluationRequest { RequestId = Guid.NewGuid().ToString("N") }, headers, deadline);
    }
    catch (RpcException e)
    {
        Console.Error.WriteLine($"RunEvaluation: {e.StatusCode} after {F(clock.Elapsed.TotalSeconds)} s: {e.Status.Detail}");
        Console.WriteLine($"eval_failed_seconds={F(clock.Elapsed.TotalSeconds)} eval_status={e.StatusCode}");
        return 1;
    }

    double seconds = clock.Elapsed.TotalSeconds;
    Console.WriteLine($"eval_seconds={F(seconds)} eval_groups={summary.PeerGroups} eval_gigs={summary.GigsRanked} eval_sellers={summary.SellersEvaluated} eval_level_changes={summary.LevelChanges} eval_flag_changes={summary.LowPerformanceChanges} eval_parked={summary.SellersParked}");
    return 0;
}

/// <summary>One ingest round: entries written, seconds to write them, seconds until Scoring caught up, entries dead-lettered in all.</summary>
internal sealed record IngestRound(int Events, double Written, double Seconds, long DeadLettered);
