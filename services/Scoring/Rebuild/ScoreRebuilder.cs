using System.Buffers;
using System.Text;
using RebuildChanges = Marketplace.Contracts.Scoring.V1.RebuildChanges;
using Marketplace.EventBus;
using Marketplace.Hosting;
using Marketplace.Hosting.Redis;
using Marketplace.Scoring.Engine;
using Marketplace.Scoring.Store;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Marketplace.Scoring.Rebuild;

/// <summary>A Gig recomputed from its orders' facts: its record, its included orders (by outcome time) and the contributions counted.</summary>
public sealed record GigBuild(GigRecord Gig, IReadOnlyList<(string OrderId, long Time)> Included, IReadOnlyList<(string OrderId, OrderContribution Contribution)> Counted);

/// <summary>
/// Recomputes Scoring's aggregates from the stored facts under the current policy into a new
/// generation of keys (<see cref="KeySpace"/>) while the service keeps answering from the live
/// one, then switches with one atomic change of <see cref="GenerationState"/> (docs/scoring.md
/// "Rebuild"). Phases, each checkpointed in <see cref="RebuildJob"/> so a crash resumes where it
/// stopped: <b>plan</b> (mark the generation being built, so every writer from then on marks the
/// Gigs it changes; list the Gigs), <b>orders</b> (batches of Gigs: read their orders' records,
/// compute with the engine, write the Gig's hash, included orders and contributions; the cursor
/// and the count of orders done are saved after each batch, and a batch done twice writes the same
/// keys again, so nothing is counted twice), <b>peers</b> (every group's sums, a new means snapshot
/// and its ranking, from the new Gigs), <b>switch</b> (recompute the Gigs events changed meanwhile,
/// then flip the live generation in a script that refuses while any Gig is still marked), and
/// <b>cleanup</b> (the old generation's keys; every seller marked for re-evaluation). A dry run
/// stops after the peers, compares each seller's read in both generations (<b>compare</b>) and
/// throws the new generation away.
/// </summary>
public sealed class ScoreRebuilder(
    RedisConnection redis,
    UnitOfWorkExecutor executor,
    PeerGroupStore peers,
    ScoreReads reads,
    IOptions<ScoringOptions> options,
    TimeProvider clock,
    ILogger<ScoreRebuilder> logger)
{
    /// <summary>Rounds of "recompute the changed Gigs, try to switch" before the rebuild gives up (events keep arriving faster).</summary>
    public const int MaxSwitchRounds = 200;

    private const int Chunk = 1000;

    private IDatabase Db => redis.Database;

    private ScoringOptions Options => options.Value;

    private ScoringPolicy Policy => Options.Policy;

    public async Task<RebuildJob?> ReadJobAsync() => RebuildJob.From(await Db.HashGetAllAsync(RebuildJob.Key));

    /// <summary>
    /// Runs <paramref name="job"/> from its phase to the end. <paramref name="checkpoint"/> runs after
    /// each saved step (the worker renews its lease there, and stops by throwing when it lost it).
    /// A failure before the switch throws the new generation away and records the error.
    /// </summary>
    public async Task<RebuildJob> RunAsync(RebuildJob job, Func<RebuildJob, Task> checkpoint, CancellationToken cancellationToken)
    {
        // What this run computed of the new generation, when it computes all of it (not after a resume).
        HeldGeneration? held = null;
        try
        {
            while (job.Phase != RebuildJob.Phases.Done)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var phase = job.Phase;
                if (phase == RebuildJob.Phases.Orders)
                {
                    held = job.Cursor == 0 && job.GigsTotal <= Options.RebuildHoldGigs ? new HeldGeneration() : null;
                }

                long phaseStarted = System.Diagnostics.Stopwatch.GetTimestamp();
                var cpuStarted = Environment.CpuUsage.TotalTime;
                job = job.Phase switch
                {
                    RebuildJob.Phases.Plan => await PlanAsync(job),
                    RebuildJob.Phases.Orders => await OrdersAsync(job, held, checkpoint, cancellationToken),
                    RebuildJob.Phases.Peers => await PeersAsync(job, held),
                    RebuildJob.Phases.Switch => await SwitchAsync(job, cancellationToken),
                    RebuildJob.Phases.Compare => await CompareAsync(job, held),
                    RebuildJob.Phases.Cleanup => await CleanupAsync(job),
                    _ => throw new InvalidOperationException($"rebuild {job.Id}: unknown phase '{job.Phase}'"),
                };
                await Db.HashSetAsync(RebuildJob.Key, job.ToEntries());
                logger.LogInformation("Rebuild {Id}: phase {Phase} took {Seconds:F2} s ({Cpu:F2} s of the process's CPU)", job.Id, phase,
                    System.Diagnostics.Stopwatch.GetElapsedTime(phaseStarted).TotalSeconds, (Environment.CpuUsage.TotalTime - cpuStarted).TotalSeconds);
                await checkpoint(job);
            }

            return job;
        }
        catch (Exception e) when (e is not OperationCanceledException && e is not RebuildLeaseLostException)
        {
            if (job.Generation > 0 && (await GenerationState.ReadAsync(Db)).Live == job.Generation)
            {
                // Switched already: only the cleanup is left, and it is tried again (the job stays running).
                logger.LogWarning(e, "Rebuild {Id}: generation {Generation} is live; the cleanup failed and runs again", job.Id, job.Generation);
                throw;
            }

            logger.LogError(e, "Rebuild {Id} failed in phase {Phase}; the live generation stays as it was", job.Id, job.Phase);
            if (job.Generation > 0)
            {
                await DiscardAsync(job.Generation);
            }

            job = job with { State = RebuildJob.Failed, Error = e.Message, FinishedAt = clock.GetUtcNow() };
            if (!job.DryRun && job.Changes is not null)
            {
                // Compared but never switched: it changed nothing.
                job = job with { Changes = null };
                await Db.HashDeleteAsync(RebuildJob.Key, RebuildJob.ChangeFields);
            }

            await Db.HashSetAsync(RebuildJob.Key, job.ToEntries());
            return job;
        }
    }

    // ---- plan ----

    private async Task<RebuildJob> PlanAsync(RebuildJob job)
    {
        var state = await GenerationState.ReadAsync(Db);
        long last = (long?)await Db.HashGetAsync(GenerationState.Key, "last") ?? 0;
        long target = Math.Max(last, state.Live) + 1;

        // From here on, every writer marks the Gigs it changes; the list below is taken afterwards,
        // so a Gig is either in the list (its facts as of now or later) or marked.
        await Db.HashSetAsync(GenerationState.Key, [new("next", target), new("last", target)]);

        var sellers = (await Db.SetMembersAsync(ScoringKeys.Sellers)).Select(v => (string)v!).ToList();
        var gigs = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var chunk in sellers.Chunk(Chunk))
        {
            var ids = (RedisValue[])(await SellersGigsScript.EvaluateReadOnlyAsync(Db, [], [.. chunk.Select(s => (RedisValue)s)]))!;
            gigs.UnionWith(ids.Select(v => (string)v!));
        }

        await Db.KeyDeleteAsync(RebuildJob.GigsKey);
        long orders = 0;
        foreach (var chunk in gigs.Chunk(Chunk))
        {
            orders += (long)await ListGigsScript.EvaluateAsync(Db, [RebuildJob.GigsKey], [.. chunk.Select(g => (RedisValue)g)]);
        }

        logger.LogInformation("Rebuild {Id}: generation {Target} from {Live}: {Gigs} Gigs, {Orders} orders", job.Id, target, state.Live, gigs.Count, orders);
        return job with
        {
            Phase = RebuildJob.Phases.Orders,
            Generation = target,
            FromGeneration = state.Live,
            Cursor = 0,
            GigsTotal = gigs.Count,
            OrdersTotal = orders,
            OrdersDone = 0,
        };
    }

    /// <summary>ARGV: sellers (at most <see cref="Chunk"/>). Every Gig of each, in one reply (a command per seller cost the service more than Redis its work).</summary>
    private static readonly RedisScript SellersGigsScript = new($$"""
        local gigs = {{LuaTemplate(ScoringKeys.SellerGigs(Slot))}}
        local out = {}
        for i = 1, #ARGV do
          for _, id in ipairs(redis.call('SMEMBERS', gigs[1] .. ARGV[i] .. gigs[2])) do out[#out + 1] = id end
        end
        return out
        """);

    /// <summary>KEYS: the rebuild's list of Gigs. ARGV: Gigs (at most <see cref="Chunk"/>). Appends them to the list; returns how many orders they have.</summary>
    private static readonly RedisScript ListGigsScript = new($$"""
        local orders = {{LuaTemplate(ScoringKeys.GigOrders(Slot))}}
        redis.call('RPUSH', KEYS[1], unpack(ARGV))
        local total = 0
        for i = 1, #ARGV do total = total + redis.call('SCARD', orders[1] .. ARGV[i] .. orders[2]) end
        return total
        """);

    // ---- orders ----

    private async Task<RebuildJob> OrdersAsync(RebuildJob job, HeldGeneration? held, Func<RebuildJob, Task> checkpoint, CancellationToken cancellationToken)
    {
        var keys = KeySpace.Of(job.Generation);
        int size = Options.RebuildBatchGigs;
        // A sliding window of batches runs at once, in cursor order: their reads and writes overlap
        // in Redis and their computation on the cores, and a new batch starts as soon as the oldest
        // one is done. The cursor only passes a batch once it and every batch before it are written.
        var inFlight = new Queue<(long End, Task<int> Orders)>();
        long next = job.Cursor;
        try
        {
            while (true)
            {
                while (inFlight.Count < Options.RebuildParallelBatches && next < job.GigsTotal)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var ids = (await Db.ListRangeAsync(RebuildJob.GigsKey, next, Math.Min(next + size, job.GigsTotal) - 1)).Select(v => (string)v!).ToArray();
                    if (ids.Length == 0)
                    {
                        next = job.GigsTotal;
                        break;
                    }

                    next += ids.Length;
                    inFlight.Enqueue((next, Task.Run(() => BuildAsync(ids, keys, held), cancellationToken)));
                }

                if (!inFlight.TryDequeue(out var oldest))
                {
                    break;
                }

                int orders = await oldest.Orders;
                job = job with { Cursor = oldest.End, OrdersDone = job.OrdersDone + orders };
                // The cursor and the count move together: a batch redone after a crash is counted once.
                await Db.HashSetAsync(RebuildJob.Key, [new("cursor", job.Cursor), new("done", job.OrdersDone)]);
                await checkpoint(job);
                if (Options.RebuildBatchPauseMs > 0)
                {
                    await Task.Delay(Options.RebuildBatchPauseMs, cancellationToken);
                }
            }
        }
        finally
        {
            // Stopping (a failure, the lease lost): no batch of this run keeps writing after it returns.
            foreach (var (_, pending) in inFlight)
            {
                try
                {
                    await pending;
                }
                catch (Exception e)
                {
                    logger.LogDebug(e, "Rebuild {Id}: a batch in flight failed while the orders phase stopped", job.Id);
                }
            }
        }

        logger.LogInformation("Rebuild {Id}: orders phase done; time in batches (summed over parallel batches): read {Read:F1} s, compute {Compute:F1} s, write {Write:F1} s",
            job.Id, TimeSpan.FromTicks(_readTicks * TimeSpan.TicksPerSecond / System.Diagnostics.Stopwatch.Frequency).TotalSeconds,
            TimeSpan.FromTicks(_computeTicks * TimeSpan.TicksPerSecond / System.Diagnostics.Stopwatch.Frequency).TotalSeconds,
            TimeSpan.FromTicks(_writeTicks * TimeSpan.TicksPerSecond / System.Diagnostics.Stopwatch.Frequency).TotalSeconds);
        return job with { Phase = RebuildJob.Phases.Peers };
    }

    /// <summary>Recomputes <paramref name="gigIds"/> from their stored facts and writes them into <paramref name="keys"/>, pipelined (and into <paramref name="held"/>); returns the number of orders read.</summary>
    private async Task<int> BuildAsync(IReadOnlyList<string> gigIds, KeySpace keys, HeldGeneration? held)
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        var orders = await ReadOrdersAsync(gigIds);
        long read = System.Diagnostics.Stopwatch.GetTimestamp();
        var batch = Db.CreateBatch();
        var writes = new List<Task>(gigIds.Count * 6);
        int count = 0;
        var built = new GigRecord[gigIds.Count];
        for (int i = 0; i < gigIds.Count; i++)
        {
            count += orders[i].Count;
            var build = Compute(gigIds[i], orders[i], Options, revision: 1);
            built[i] = build.Gig;
            writes.Add(batch.KeyDeleteAsync([keys.Gig(build.Gig.GigId), keys.GigIncluded(build.Gig.GigId), keys.GigCounted(build.Gig.GigId)]));
            if (build.Gig.SellerId.Length > 0)
            {
                writes.Add(batch.HashSetAsync(keys.Gig(build.Gig.GigId), [.. build.Gig.ToEntries().Select(e => new HashEntry(e.Key, e.Value))]));
            }

            if (build.Included.Count > 0)
            {
                writes.Add(batch.SortedSetAddAsync(keys.GigIncluded(build.Gig.GigId), build.Included.Select(e => new SortedSetEntry(e.OrderId, e.Time)).ToArray()));
            }

            if (build.Counted.Count > 0)
            {
                writes.Add(batch.HashSetAsync(keys.GigCounted(build.Gig.GigId),
                    build.Counted.Select(c => new HashEntry(c.OrderId, OrderRecord.FormatContribution(c.Contribution))).ToArray()));
            }
        }

        long computed = System.Diagnostics.Stopwatch.GetTimestamp();
        batch.Execute();
        await Task.WhenAll(writes);
        held?.Put(built);
        Interlocked.Add(ref _readTicks, read - started);
        Interlocked.Add(ref _computeTicks, computed - read);
        Interlocked.Add(ref _writeTicks, System.Diagnostics.Stopwatch.GetTimestamp() - computed);
        return count;
    }

    private long _readTicks, _computeTicks, _writeTicks;

    /// <summary>
    /// ARGV: the Gigs. For each Gig, its order ids, each followed by the order's record: its packed
    /// value (<see cref="OrderRecord.Pack"/>), or a hash of the earlier field-per-fact layout packed
    /// whole (names and values joined by NUL; <see cref="OrderRecord.FromReadScript"/> tells them apart). One call
    /// per batch: each order costs redis-server one <c>HGET</c> of one value, and the service one reply
    /// element instead of a command of its own (a pipelined <c>HGETALL</c> per order cost the service
    /// more CPU than the rest of the rebuild's work on the order, bench/rebuild/README.md).
    /// </summary>
    private static readonly RedisScript ReadScript = new($$"""
        local orders, order = {{LuaTemplate(ScoringKeys.GigOrders(Slot))}}, {{LuaTemplate(ScoringKeys.Order(Slot))}}
        local out = {}
        for i = 1, #ARGV do
          local gig = {}
          for _, id in ipairs(redis.call('SMEMBERS', orders[1] .. ARGV[i] .. orders[2])) do
            local key = order[1] .. id .. order[2]
            local record = redis.call('HGET', key, {{LuaString.Literal(OrderRecord.RecordField)}})
            gig[#gig + 1] = id
            if record then
              gig[#gig + 1] = record
            else
              gig[#gig + 1] = table.concat(redis.call('HGETALL', key), '\0')
            end
          end
          out[i] = gig
        end
        return out
        """);

    /// <summary>Each Gig's orders with their records (one script call, <see cref="ReadScript"/>). The reads need not be one state: a writer changing an order meanwhile marks its Gig, which is recomputed before the switch.</summary>
    private async Task<List<(string OrderId, OrderRecord Record)>[]> ReadOrdersAsync(IReadOnlyList<string> gigIds)
    {
        var reply = (RedisResult[])(await ReadScript.EvaluateReadOnlyAsync(Db, [], [.. gigIds.Select(g => (RedisValue)g)]))!;
        var result = new List<(string, OrderRecord)>[gigIds.Count];
        // Each record is decoded into one buffer and parsed from there: no string per record (a million of them).
        char[] buffer = ArrayPool<char>.Shared.Rent(1024);
        try
        {
            for (int i = 0; i < gigIds.Count; i++)
            {
                var flat = (RedisValue[])reply[i]!;
                result[i] = new List<(string, OrderRecord)>(flat.Length / 2);
                for (int j = 0; j < flat.Length; j += 2)
                {
                    string orderId = flat[j]!;
                    ReadOnlyMemory<byte> bytes = flat[j + 1];
                    if (Encoding.UTF8.GetMaxCharCount(bytes.Length) > buffer.Length)
                    {
                        ArrayPool<char>.Shared.Return(buffer);
                        buffer = ArrayPool<char>.Shared.Rent(Encoding.UTF8.GetMaxCharCount(bytes.Length));
                    }

                    int length = Encoding.UTF8.GetChars(bytes.Span, buffer);
                    result[i].Add((orderId, OrderRecord.FromReadScript($"scoring order {orderId}", buffer.AsSpan(0, length))));
                }
            }
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }

        return result;
    }

    /// <summary>
    /// A Gig from scratch, from its orders' latest facts (what <see cref="GigLedger"/> ends with
    /// whatever order they came in): the price band and category of its most recently placed
    /// delivered order (of any order while none was delivered, <see cref="GigRecord.TakePriceFrom"/>),
    /// the included orders, and the counted ones (inside the evaluation window of the most
    /// recent included order) at the landmark of that order.
    /// </summary>
    public static GigBuild Compute(string gigId, IEnumerable<(string OrderId, OrderRecord Record)> orders, ScoringOptions options, long revision)
    {
        var policy = options.Policy;
        var gig = new GigRecord { GigId = gigId, Aggregate = new GigAggregate(), Revision = revision };
        var included = new List<(string OrderId, long Time, OrderFacts Facts)>();
        foreach (var (orderId, record) in orders)
        {
            // Facts the live path refuses (invalid, another Gig) never reach a Gig; ToFacts throws for a currency without a rate.
            if (record.GigId != gigId || record.ToFacts(orderId, options.ToUsd) is not { } facts || facts.Validate().Count > 0)
            {
                continue;
            }

            gig.SellerId = record.SellerId;
            gig.TakePriceFrom(orderId, record.CreatedTicks, record.FirstDeliveredTicks is not null, facts.AmountUsd, record.Category, policy);
            if (AreaIndexer.IsIncluded(facts, policy))
            {
                included.Add((orderId, facts.OutcomeAt!.Value.ToUnixTimeSeconds(), facts));
            }
        }

        var counted = new List<(string, OrderContribution)>();
        if (included.Count > 0)
        {
            long max = included.Max(o => o.Time);
            long landmark = ForwardDecay.LandmarkFor(max, policy);
            long windowStart = ForwardDecay.WindowStart(max, policy);
            foreach (var (orderId, time, facts) in included.Where(o => o.Time >= windowStart))
            {
                counted.Add((orderId, OrderContribution.From(facts, policy, landmark)));
            }

            gig.Aggregate.Rebuild(landmark, max, counted.Select(c => c.Item2));
        }

        return new GigBuild(gig, included.Select(o => (o.OrderId, o.Time)).ToList(), counted);
    }

    // ---- peers ----

    private async Task<RebuildJob> PeersAsync(RebuildJob job, HeldGeneration? held)
    {
        var keys = KeySpace.Of(job.Generation);
        var gigIds = await ListedGigsAsync();

        // Gigs events changed so far: recompute them before the groups are computed (the groups follow them below).
        while (await TakeTouchedAsync() is { Length: > 0 } ids)
        {
            await BuildAsync(ids, keys, held);
            await Db.SetRemoveAsync(GenerationState.TakenKey, [.. ids.Select(g => (RedisValue)g)]);
            var added = ids.Where(gigIds.Add).ToArray();
            if (added.Length > 0)
            {
                await Db.ListRightPushAsync(RebuildJob.GigsKey, added.Select(g => (RedisValue)g).ToArray());
            }

            job = job with { Reapplied = job.Reapplied + ids.Length };
        }

        var stats = new Dictionary<string, PeerStats>(StringComparer.Ordinal);
        var scored = new Dictionary<string, List<GigRecord>>(StringComparer.Ordinal);
        // The Gigs as this run computed them when it computed every one (the groups are then held too), else as stored.
        if (held is not null && !gigIds.All(held.Gigs.ContainsKey))
        {
            held = null;
        }

        foreach (var chunk in gigIds.Order(StringComparer.Ordinal).Chunk(Chunk))
        {
            foreach (var gig in held is not null ? chunk.Select(g => held.Gigs[g]).OfType<GigRecord>() : await GenerationScores.ReadStoredAsync(Db, keys, chunk))
            {
                foreach (var group in gig.Groups)
                {
                    var suffix = group.RedisKeySuffix;
                    if (!stats.TryGetValue(suffix, out var sum))
                    {
                        stats[suffix] = sum = new PeerStats();
                        scored[suffix] = [];
                    }

                    sum.Add(PeerStats.Delta(null, gig.Aggregate, Policy));
                    if (PeerStats.Counts(gig.Aggregate, Policy))
                    {
                        scored[suffix].Add(gig);
                    }
                }
            }
        }

        if (held is not null)
        {
            held.Groups = new(StringComparer.Ordinal);
        }

        var now = clock.GetUtcNow();
        foreach (var (suffix, sum) in stats.Where(s => scored[s.Key].Count > 0))
        {
            var means = sum.Means(Policy);
            var batch = Db.CreateBatch();
            var writes = new List<Task>
            {
                batch.KeyDeleteAsync([keys.PeerStats(suffix), keys.PeerMeans(suffix), keys.PeerRanking(suffix)]),
            };
            var sums = Areas.All.SelectMany(a => new[] { ($"n{(int)a}", sum.Count(a)), ($"s{(int)a}", sum.Sum(a)) })
                .Where(f => f.Item2 != 0).Select(f => new HashEntry(f.Item1, f.Item2)).ToArray();
            if (sums.Length > 0)
            {
                writes.Add(batch.HashSetAsync(keys.PeerStats(suffix), sums));
            }

            writes.Add(batch.HashSetAsync(keys.PeerMeans(suffix), PeerGroupStore.MeansFields(means, now, scored[suffix].Count, revision: 1).Entries.Select(e => new HashEntry(e.Key, e.Value)).ToArray()));
            var ranking = scored[suffix].Select(g => (g.GigId, Quality: GigScorer.QualityOf(g.Aggregate, means, Policy))).ToList();
            foreach (var chunk in ranking.Chunk(Chunk))
            {
                writes.Add(batch.SortedSetAddAsync(keys.PeerRanking(suffix), chunk.Select(g => new SortedSetEntry(g.GigId, g.Quality)).ToArray()));
            }

            held?.Groups!.Add(suffix, (means, ranking));

            writes.Add(batch.SetAddAsync(keys.PeerGroups, suffix));
            batch.Execute();
            await Task.WhenAll(writes);
        }

        logger.LogInformation("Rebuild {Id}: {Groups} peer groups of generation {Generation} computed", job.Id, stats.Count, job.Generation);
        return job with { Phase = RebuildJob.Phases.Compare };
    }

    private async Task<HashSet<string>> ListedGigsAsync()
    {
        var gigs = new HashSet<string>(StringComparer.Ordinal);
        long length = await Db.ListLengthAsync(RebuildJob.GigsKey);
        for (long start = 0; start < length; start += 10 * Chunk)
        {
            gigs.UnionWith((await Db.ListRangeAsync(RebuildJob.GigsKey, start, start + 10 * Chunk - 1)).Select(v => (string)v!));
        }

        return gigs;
    }

    // ---- switch ----

    /// <summary>KEYS: generation state, touched set, job, taken set. ARGV: the generation built. 1 switched, 0 Gigs still marked, -1 not this rebuild's generation.</summary>
    private const string SwitchScript = """
        if redis.call('HGET', KEYS[1], 'next') ~= ARGV[1] then return -1 end
        if redis.call('SCARD', KEYS[2]) > 0 or redis.call('SCARD', KEYS[4]) > 0 then return 0 end
        redis.call('HSET', KEYS[1], 'live', ARGV[1])
        redis.call('HDEL', KEYS[1], 'next')
        redis.call('HSET', KEYS[3], 'phase', 'cleanup')
        return 1
        """;

    private async Task<RebuildJob> SwitchAsync(RebuildJob job, CancellationToken cancellationToken)
    {
        for (int round = 1; round <= MaxSwitchRounds; round++)
        {
            job = await ReapplyTouchedAsync(job, cancellationToken);
            long outcome = (long)await Db.ScriptEvaluateAsync(SwitchScript, [GenerationState.Key, GenerationState.TouchedKey, RebuildJob.Key, GenerationState.TakenKey], [job.Generation]);
            if (outcome == 1 || (outcome == -1 && (await GenerationState.ReadAsync(Db)).Live == job.Generation))
            {
                logger.LogInformation("Rebuild {Id}: generation {Generation} is live ({Reapplied} Gigs recomputed after events during the rebuild)", job.Id, job.Generation, job.Reapplied);
                return job with { Phase = RebuildJob.Phases.Cleanup };
            }

            if (outcome == -1)
            {
                throw new InvalidOperationException($"rebuild {job.Id}: generation {job.Generation} is no longer the one being built");
            }
        }

        throw new InvalidOperationException($"rebuild {job.Id}: events kept changing Gigs through {MaxSwitchRounds} rounds of recomputation; nothing switched");
    }

    /// <summary>
    /// Recomputes every Gig events marked since, each in a unit of work that also moves it in its
    /// peer groups of the new generation (at their new snapshot), as an event would.
    /// </summary>
    private async Task<RebuildJob> ReapplyTouchedAsync(RebuildJob job, CancellationToken cancellationToken)
    {
        var keys = KeySpace.Of(job.Generation);
        while (await TakeTouchedAsync() is { Length: > 0 } touched)
        {
            foreach (var gigId in touched)
            {
                await executor.ExecuteAsync(null, (work, _) => ReapplyAsync(work, gigId, keys), cancellationToken);
                await Db.SetRemoveAsync(GenerationState.TakenKey, gigId);
            }

            job = job with { Reapplied = job.Reapplied + touched.Length };
        }

        return job;
    }

    /// <summary>KEYS: the marked Gigs, the taken ones. ARGV: how many to take. Moves up to that many marks to the taken set and returns every taken Gig, those a replica took and did not finish included.</summary>
    private static readonly RedisScript TakeTouchedScript = new("""
        local taken = redis.call('SPOP', KEYS[1], ARGV[1])
        if #taken > 0 then redis.call('SADD', KEYS[2], unpack(taken)) end
        return redis.call('SMEMBERS', KEYS[2])
        """);

    /// <summary>
    /// Gigs to recompute: marks moved to <see cref="GenerationState.TakenKey"/> (with any a dead replica
    /// left there); the caller removes each once recomputed. Recomputing a Gig twice writes the same state.
    /// </summary>
    private async Task<string[]> TakeTouchedAsync() =>
        [.. ((RedisValue[])(await TakeTouchedScript.EvaluateAsync(Db, [GenerationState.TouchedKey, GenerationState.TakenKey], [Chunk]))!).Select(v => (string)v!)];

    private async Task ReapplyAsync(UnitOfWork work, string gigId, KeySpace keys)
    {
        if ((await GenerationState.ReadAsync(work)).Next != keys.Generation)
        {
            return;
        }

        var prior = GigRecord.FromFields(gigId, HashReader.From($"scoring gig {gigId}", await work.ReadVersionedHashAsync(keys.Gig(gigId), GigRecord.RevisionField)));
        var orders = (await ReadOrdersAsync([gigId]))[0];
        var build = Compute(gigId, orders, Options, prior.Revision + 1);
        work.KeyDelete(keys.Gig(gigId));
        work.KeyDelete(keys.GigIncluded(gigId));
        work.KeyDelete(keys.GigCounted(gigId));
        if (build.Gig.SellerId.Length > 0)
        {
            work.HashSet(keys.Gig(gigId), build.Gig.ToEntries());
        }

        foreach (var (orderId, time) in build.Included)
        {
            work.SortedSetAdd(keys.GigIncluded(gigId), orderId, time);
        }

        foreach (var (orderId, contribution) in build.Counted)
        {
            work.HashSet(keys.GigCounted(gigId), orderId, OrderRecord.FormatContribution(contribution));
        }

        await peers.StageMoveAsync(work, prior, build.Gig, keys);
    }

    // ---- compare (dry run) ----

    /// <summary>
    /// Every seller read from the live generation and the new one: what the rebuild changes. A dry
    /// run then throws its generation away; a real rebuild keeps the counts and switches (the
    /// switch recomputes what events change in between, which is not the policy's doing).
    /// </summary>
    private async Task<RebuildJob> CompareAsync(RebuildJob job, HeldGeneration? held)
    {
        long reapplied = job.Reapplied;
        job = await ReapplyTouchedAsync(job, CancellationToken.None);
        // Recomputed Gigs moved in their groups through units of work: the new generation is then read as stored.
        var newScores = held?.Groups is not null && job.Reapplied == reapplied
            ? GenerationScores.Held(held, Policy)
            : new GenerationScores(Db, KeySpace.Of(job.Generation), Policy);
        var changes = await ChangesAsync(newScores);
        logger.LogInformation("Rebuild {Id}{Dry}: {Changes}", job.Id, job.DryRun ? " (dry run)" : "", changes);
        if (!job.DryRun)
        {
            return job with { Phase = RebuildJob.Phases.Switch, Changes = changes };
        }

        await DiscardAsync(job.Generation);
        await Db.KeyDeleteAsync(RebuildJob.GigsKey);
        return job with { Phase = RebuildJob.Phases.Done, State = RebuildJob.Succeeded, Changes = changes, FinishedAt = clock.GetUtcNow() };
    }

    private async Task<RebuildChanges> ChangesAsync(GenerationScores newScores)
    {
        long live = (await GenerationState.ReadAsync(Db)).Live;
        var now = clock.GetUtcNow();
        var sellers = (await Db.SetMembersAsync(ScoringKeys.Sellers)).Select(v => (string)v!).Order(StringComparer.Ordinal).ToList();
        var changes = new RebuildChanges();
        // Every Gig of both generations scored as the read script would, a chunk of sellers at a time,
        // each group's ranking read once (GenerationScores). The seller's record and level facts belong
        // to no generation: read once, both sides are judged on them (what differs is the policy's doing).
        // The next chunk is read while this one is counted (the reads run one chunk at a time: a
        // GenerationScores is not shared between threads), so the reads and the engine use both cores.
        var liveScores = new GenerationScores(Db, KeySpace.Of(live), Policy);
        var chunks = sellers.Chunk(512).ToList();
        var next = chunks.Count > 0 ? ReadChunkAsync(chunks[0], live, liveScores, newScores) : null;
        for (int c = 0; c < chunks.Count; c++)
        {
            var chunk = await next!;
            if (c + 1 < chunks.Count)
            {
                var following = chunks[c + 1];
                next = Task.Run(() => ReadChunkAsync(following, live, liveScores, newScores));
            }

            foreach (var (seller, gigIds) in chunk.Sellers)
            {
                CountChanges(changes, seller, gigIds, chunk.Before, chunk.After, now);
            }
        }

        return changes;
    }

    /// <summary>A chunk of sellers as the comparison reads them: each seller's read (record and level facts) and Gigs, and every Gig's state in both generations.</summary>
    private sealed record ComparedChunk(List<(ScoringRead Seller, string[] GigIds)> Sellers, Dictionary<string, GigState> Before, Dictionary<string, GigState> After);

    private async Task<ComparedChunk> ReadChunkAsync(string[] chunk, long live, GenerationScores liveScores, GenerationScores newScores)
    {
        var facts = chunk.Select(s => reads.SellerAsync(s, ReadParts.Record | ReadParts.Metrics, live)).ToArray();
        var batch = Db.CreateBatch();
        var gigSets = chunk.Select(s => batch.SetMembersAsync(ScoringKeys.SellerGigs(s))).ToArray();
        batch.Execute();
        var sellerGigs = new string[chunk.Length][];
        for (int i = 0; i < chunk.Length; i++)
        {
            sellerGigs[i] = (await gigSets[i]).Select(v => (string)v!).Order(StringComparer.Ordinal).ToArray();
        }

        var gigIds = sellerGigs.SelectMany(g => g).Distinct(StringComparer.Ordinal).ToList();
        var before = await liveScores.ReadAsync(gigIds);
        var after = await newScores.ReadAsync(gigIds);
        var sellers = new List<(ScoringRead, string[])>(chunk.Length);
        for (int i = 0; i < chunk.Length; i++)
        {
            if (await facts[i] is { } seller)
            {
                sellers.Add((seller, sellerGigs[i]));
            }
        }

        return new ComparedChunk(sellers, before, after);
    }

    /// <summary>Adds what the rebuild changes for one seller: their Gigs' shown scores, their score, level and flag.</summary>
    private void CountChanges(RebuildChanges changes, ScoringRead seller, string[] sellerGigs, Dictionary<string, GigState> statesBefore, Dictionary<string, GigState> statesAfter, DateTimeOffset now)
    {
        var before = seller with { Gigs = [.. sellerGigs.Where(statesBefore.ContainsKey).Select(g => statesBefore[g])] };
        var after = seller with { Gigs = [.. sellerGigs.Where(statesAfter.ContainsKey).Select(g => statesAfter[g])] };
        var gigsBefore = before.Scored(Policy).ToDictionary(g => g.Gig.GigId, g => g.Score, StringComparer.Ordinal);
        var gigsAfter = after.Scored(Policy).ToDictionary(g => g.Gig.GigId, g => g.Score, StringComparer.Ordinal);
        foreach (var gigId in gigsBefore.Keys.Union(gigsAfter.Keys))
        {
            changes.GigsCompared++;
            if (gigsBefore.GetValueOrDefault(gigId)?.Score != gigsAfter.GetValueOrDefault(gigId)?.Score)
            {
                changes.GigsScoreChanged++;
            }
        }

        var record = before.Record ?? after.Record ?? SellerRecord.FromFields(new HashReader("empty", new Dictionary<string, string>()));
        var scoresBefore = gigsBefore.Values.ToList();
        var scoresAfter = gigsAfter.Values.ToList();
        var sellerBefore = SellerScore.Of(scoresBefore).Score;
        var sellerAfter = SellerScore.Of(scoresAfter).Score;
        changes.SellersCompared++;
        if (sellerBefore != sellerAfter)
        {
            changes.SellersScoreChanged++;
        }

        // The level metrics at those scores (ScoringRead.LevelMetrics, without scoring every Gig again).
        var metrics = seller.Metrics ?? throw new InvalidOperationException($"seller {seller.SellerId}: the read took no level facts");
        var levelBefore = LevelEvaluator.Evaluate(record.Level, metrics.Metrics(sellerBefore, now, Policy), EvaluationKind.OnDemand, now, Policy).After.Level;
        var levelAfter = LevelEvaluator.Evaluate(record.Level, metrics.Metrics(sellerAfter, now, Policy), EvaluationKind.OnDemand, now, Policy).After.Level;
        if (levelBefore != levelAfter)
        {
            changes.SellersLevelChanged++;
        }

        if (LowPerformance.Decide(record.LowPerformance, scoresBefore, Policy).After != LowPerformance.Decide(record.LowPerformance, scoresAfter, Policy).After)
        {
            changes.SellersFlagChanged++;
        }
    }

    // ---- cleanup ----

    private async Task<RebuildJob> CleanupAsync(RebuildJob job)
    {
        if (job.FromGeneration > 0)
        {
            await DeleteGenerationAsync(job.FromGeneration);
        }
        else
        {
            await DeleteLegacyAsync();
        }

        // Scores moved: every seller's level and flag are evaluated again (on demand, as after their own events).
        var sellers = (await Db.SetMembersAsync(ScoringKeys.Sellers)).Select(v => (string)v!).ToList();
        foreach (var chunk in sellers.Chunk(Chunk))
        {
            var batch = Db.CreateBatch();
            var marks = chunk.Select(s => batch.HashIncrementAsync(ScoringKeys.DirtySellers, s, 1)).ToArray();
            batch.Execute();
            await Task.WhenAll(marks);
        }

        await Db.KeyDeleteAsync(RebuildJob.GigsKey);
        return job with { Phase = RebuildJob.Phases.Done, State = RebuildJob.Succeeded, FinishedAt = clock.GetUtcNow() };
    }

    /// <summary>Stops building <paramref name="generation"/> (writers stop marking Gigs) and deletes its keys.</summary>
    private async Task DiscardAsync(long generation)
    {
        await Db.ScriptEvaluateAsync("""
            if redis.call('HGET', KEYS[1], 'next') == ARGV[1] then
              redis.call('HDEL', KEYS[1], 'next')
              redis.call('DEL', KEYS[2], KEYS[3])
            end
            return 1
            """, [GenerationState.Key, GenerationState.TouchedKey, GenerationState.TakenKey], [generation]);
        await DeleteGenerationAsync(generation);
    }

    /// <summary>
    /// Deletes every key of <paramref name="generation"/> (≥ 1, not live) from what names them, not by
    /// walking the keyspace (a <c>SCAN</c> of 2.6 million keys cost redis-server 1.3 s, more than the
    /// deletes): each Gig's hash, included orders and contributions, for every Gig of every seller
    /// (<see cref="DeleteGigsScript"/>), then each group of the generation's set of groups. Complete
    /// because every writer of a generation's keys also records what names them, in the same commit:
    /// a Gig's keys are written with its seller's set of Gigs (<see cref="GigProjection"/>; a rebuild
    /// writes only Gigs it listed from those sets), and a group's keys only for a Gig that counts in
    /// it, with the group added to <see cref="KeySpace.PeerGroups"/> (<see cref="PeerGroupStore.StageMoveAsync"/>,
    /// the peers phase, the daily refresh of those groups). RebuildTests checks no key is left.
    /// </summary>
    private async Task DeleteGenerationAsync(long generation)
    {
        if ((await GenerationState.ReadAsync(Db)).Live == generation)
        {
            throw new InvalidOperationException($"generation {generation} is live: its keys are not deleted");
        }

        var keys = KeySpace.Of(generation);
        RedisValue[] templates = [.. new[] { keys.Gig(Slot), keys.GigIncluded(Slot), keys.GigCounted(Slot) }.SelectMany(SplitAtSlot)];
        var sellers = await Db.SetMembersAsync(ScoringKeys.Sellers);
        foreach (var chunk in sellers.Chunk(DeleteSellersPerCall))
        {
            await DeleteGigsScript.EvaluateAsync(Db, [], [.. templates, .. chunk]);
        }

        await DeleteGroupsAsync(keys);
    }

    /// <summary>Every group of the generation's set of groups (ranking, sums, snapshot), then the set.</summary>
    private async Task DeleteGroupsAsync(KeySpace keys)
    {
        var groups = (await Db.SetMembersAsync(keys.PeerGroups)).Select(v => (string)v!);
        foreach (var chunk in groups.Chunk(Chunk))
        {
            await Db.KeyDeleteAsync([.. chunk.SelectMany(g => new RedisKey[] { keys.PeerRanking(g), keys.PeerStats(g), keys.PeerMeans(g) })]);
        }

        await Db.KeyDeleteAsync(keys.PeerGroups);
    }

    /// <summary>Sellers per <see cref="DeleteGigsScript"/> call: a few thousand Gigs' keys, about as long a hold of Redis as an orders-phase read.</summary>
    private const int DeleteSellersPerCall = 256;

    /// <summary>
    /// ARGV: the generation's key templates of a Gig's hash, included orders and contributions (each as
    /// what comes before the id and what after), then sellers. Unlinks those three keys of every Gig of
    /// each seller; returns how many existed.
    /// </summary>
    private static readonly RedisScript DeleteGigsScript = new($$"""
        local gigs = {{LuaTemplate(ScoringKeys.SellerGigs(Slot))}}
        local deleted = 0
        for i = 7, #ARGV do
          for _, id in ipairs(redis.call('SMEMBERS', gigs[1] .. ARGV[i] .. gigs[2])) do
            deleted = deleted + redis.call('UNLINK', ARGV[1] .. id .. ARGV[2], ARGV[3] .. id .. ARGV[4], ARGV[5] .. id .. ARGV[6])
          end
        end
        return deleted
        """);

    /// <summary>
    /// ARGV: sellers. Deletes each of their Gigs' generation-0 hash and included orders and the
    /// contribution (<c>c</c>) in each of its orders' hashes, in Redis: one call per chunk of sellers
    /// instead of a command per order from the service (1,000,000 orders: 2.6 s of the service's CPU before).
    /// </summary>
    private static readonly RedisScript LegacyCleanupScript = new($$"""
        local gigs, gig, included, orders, order = {{LuaTemplate(ScoringKeys.SellerGigs(Slot))}}, {{LuaTemplate(KeySpace.Legacy.Gig(Slot))}}, {{LuaTemplate(KeySpace.Legacy.GigIncluded(Slot))}}, {{LuaTemplate(ScoringKeys.GigOrders(Slot))}}, {{LuaTemplate(ScoringKeys.Order(Slot))}}
        local contributions = 0
        for i = 1, #ARGV do
          for _, g in ipairs(redis.call('SMEMBERS', gigs[1] .. ARGV[i] .. gigs[2])) do
            redis.call('DEL', gig[1] .. g .. gig[2], included[1] .. g .. included[2])
            for _, id in ipairs(redis.call('SMEMBERS', orders[1] .. g .. orders[2])) do
              contributions = contributions + redis.call('HDEL', order[1] .. id .. order[2], 'c')
            end
          end
        end
        return contributions
        """);

    /// <summary>Where an id goes in a key written into a script.</summary>
    private const string Slot = "\u0001";

    /// <summary>A key with <see cref="Slot"/> for the id as a Lua pair of literals: what comes before the id and what after.</summary>
    private static string LuaTemplate(string key) =>
        $"{{ {string.Join(", ", SplitAtSlot(key).Select(LuaString.Literal))} }}";

    /// <summary>What comes before <see cref="Slot"/> in <paramref name="key"/> and what after.</summary>
    private static string[] SplitAtSlot(string key)
    {
        int at = key.IndexOf(Slot, StringComparison.Ordinal);
        return [key[..at], key[(at + Slot.Length)..]];
    }

    /// <summary>Generation 0's keys, found as <see cref="DeleteGenerationAsync"/> finds a generation's: each Gig's hash and included orders, the contributions in its orders' hashes, the peer groups.</summary>
    private async Task DeleteLegacyAsync()
    {
        var legacy = KeySpace.Legacy;
        var sellers = await Db.SetMembersAsync(ScoringKeys.Sellers);
        // A Gig's orders are deleted from too: fewer sellers per call than for a generation ≥ 1.
        foreach (var chunk in sellers.Chunk(DeleteSellersPerCall / 4))
        {
            await LegacyCleanupScript.EvaluateAsync(Db, [], chunk);
        }

        await DeleteGroupsAsync(legacy);
    }
}

/// <summary>The worker lost the rebuild's lease (another replica took it over): it stops without touching the job.</summary>
public sealed class RebuildLeaseLostException(string message) : Exception(message);
