using System.Globalization;
using Marketplace.EventBus;
using Marketplace.Hosting;
using Marketplace.Hosting.Redis;
using Marketplace.Scoring.Engine;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Marketplace.Scoring.Store;

/// <summary>What a read takes besides the Gig or the seller it starts from.</summary>
[Flags]
public enum ReadParts
{
    None = 0,

    /// <summary>The seller's record (<see cref="ScoringKeys.Seller"/>).</summary>
    Record = 1,

    /// <summary>Every Gig of the seller, each with what its score needs.</summary>
    SellerGigs = 2,

    /// <summary>The facts of the level metrics: ratings, totals, clients, response statistics.</summary>
    Metrics = 4,

    /// <summary>The records of the starting Gig's orders (what-if rebuilds the Gig from them).</summary>
    GigOrders = 8,
}

/// <summary>
/// The score reads of the API (issue 16): everything one answer needs, read by one Lua script, so
/// it comes from one committed state of Redis (a unit of work commits with one script too, and
/// Redis runs scripts one at a time) in one round trip. The engine then computes the answer from
/// that state alone.
/// </summary>
/// <remarks>
/// <para>A Gig's percentile needs the ranking counts at the quality the engine computes from the
/// Gig's aggregate and its group's means snapshot. Every quality in a ranking is computed at that
/// snapshot, so for a scored Gig the ranking already holds that quality: the script counts around
/// the Gig's own entry (ZSCORE, then ZCOUNT). When the engine asks about a quality the script did
/// not count at (a policy changed since the Gig was last ranked, or a what-if's projected quality),
/// the read runs again with that quality as a probe, and the answer comes from that second state:
/// two round trips, still one state.</para>
/// <para>The script builds the keys of the Gig's peer group, its seller and its orders from what
/// it reads, so it reads keys it was not given: that is fine on the single Redis primary the
/// platform deploys (the unit of work's script needs it too), and would not be on a Redis Cluster.</para>
/// </remarks>
public sealed class ScoreReads(RedisConnection redis, IOptions<ScoringOptions> options)
{
    /// <summary>Reads that still miss a quality after this many attempts give up (ABORTED: each attempt lost to a concurrent change).</summary>
    public const int MaxAttempts = 16;

    /// <summary>Where an id goes in the key templates written into the script.</summary>
    private const string Slot = "\u0001";

    /// <summary>The key templates the script builds keys from (its table <c>T</c>); the aggregates' ones carry <see cref="KeySpace.GenerationMark"/> where the generation goes.</summary>
    private static readonly (string Name, string Template)[] KeyTemplates =
    [
        ("gig", KeySpace.Template.Gig(Slot)),
        ("ranking", KeySpace.Template.PeerRanking(Slot)),
        ("means", KeySpace.Template.PeerMeans(Slot)),
        ("seller", ScoringKeys.Seller(Slot)),
        ("sellerGigs", ScoringKeys.SellerGigs(Slot)),
        ("ratings", ScoringKeys.SellerRatings(Slot)),
        ("totals", ScoringKeys.SellerTotals(Slot)),
        ("clients", ScoringKeys.SellerClients(Slot)),
        ("response", ScoringKeys.SellerResponseStats(Slot)),
        ("gigOrders", ScoringKeys.GigOrders(Slot)),
        ("order", ScoringKeys.Order(Slot)),
    ];

    /// <summary>The read script with the key templates written in as Lua literals (constants: one script text, so one SHA1 for the process's life).</summary>
    private static readonly RedisScript Script = new(ScriptText
        .Replace("--[[templates]]", string.Join(", ", KeyTemplates.Select(t => $"{t.Name} = {LuaString.Literal(t.Template)}")), StringComparison.Ordinal)
        .Replace("--[[slot]]", LuaString.Literal(Slot), StringComparison.Ordinal));

    private ScoringPolicy Policy => options.Value.Policy;

    /// <summary>A Gig and the <paramref name="parts"/> of its seller asked for, from one state; null when Scoring does not know the Gig.</summary>
    public Task<ScoringRead?> GigAsync(string gigId, ReadParts parts = ReadParts.None) =>
        ReadAsync(new ReadStart("gig", gigId, parts), null, null);

    /// <summary>A seller's <paramref name="parts"/>, from one state; null when Scoring does not know the seller.</summary>
    public Task<ScoringRead?> SellerAsync(string sellerId, ReadParts parts) =>
        ReadAsync(new ReadStart("seller", sellerId, parts), null, null);

    /// <summary>
    /// Several sellers' <paramref name="parts"/> (null for a seller Scoring does not know), aligned with
    /// <paramref name="sellerIds"/>, all from one state in one round trip (the daily evaluation's
    /// batches). A seller whose Gigs need ranking counts the script did not take (a policy changed
    /// since they were ranked) is read again alone, as <see cref="SellerAsync(string, ReadParts)"/> would.
    /// </summary>
    public async Task<IReadOnlyList<ScoringRead?>> SellersAsync(IReadOnlyList<string> sellerIds, ReadParts parts)
    {
        if (sellerIds.Count == 0)
        {
            return [];
        }

        var replies = await BatchAsync("sellers", sellerIds, parts);
        var reads = new ScoringRead?[sellerIds.Count];
        for (int i = 0; i < sellerIds.Count; i++)
        {
            reads[i] = await FromBatchAsync(new ReadStart("seller", sellerIds[i], parts), replies[i]);
        }

        return reads;
    }

    /// <summary>
    /// Several Gigs' plain reads (no parts: what a score needs), aligned with <paramref name="gigIds"/>,
    /// all from one state in one round trip (<see cref="GigReadBatcher"/> gathers concurrent
    /// GetGigScore calls into one). Each Gig has its own outcome: its read, null for a Gig Scoring does
    /// not know, or the error its data alone raised, so a Gig that cannot be read fails only its own
    /// caller. A Gig whose ranking counts the script did not take is read again alone, as
    /// <see cref="GigAsync"/> would.
    /// </summary>
    public async Task<IReadOnlyList<Task<ScoringRead?>>> GigsAsync(IReadOnlyList<string> gigIds)
    {
        if (gigIds.Count == 0)
        {
            return [];
        }

        var replies = await BatchAsync("gigs", gigIds, ReadParts.None);
        var reads = new Task<ScoringRead?>[gigIds.Count];
        for (int i = 0; i < gigIds.Count; i++)
        {
            reads[i] = FromBatchAsync(new ReadStart("gig", gigIds[i], ReadParts.None), replies[i]);
        }

        return reads;
    }

    /// <summary>One script call for many starts of one kind ('sellers' or 'gigs'): one reply per id, in their order.</summary>
    private async Task<RedisResult[]> BatchAsync(string kind, IReadOnlyList<string> ids, ReadParts parts)
    {
        var args = Arguments(new ReadStart(kind, "", parts), []);
        Array.Resize(ref args, args.Length + ids.Count);
        for (int i = 0; i < ids.Count; i++)
        {
            args[6 + i] = ids[i];
        }

        var replies = (RedisResult[])(await Script.EvaluateReadOnlyAsync(redis.Database, [ScoringKeys.Sellers, GenerationState.Key], args))!;
        if (replies.Length != ids.Count)
        {
            throw new InvalidOperationException($"the read script answered {replies.Length} reads for {ids.Count} {kind}");
        }

        return replies;
    }

    /// <summary>One start's answer from a batch's reply, or read again alone when the batch did not count what its score needs.</summary>
    private async Task<ScoringRead?> FromBatchAsync(ReadStart start, RedisResult reply)
    {
        var read = Parse(start, (RedisResult[])reply!);
        return read is null || Missing(read, null).Count == 0 ? read : await ReadAsync(start, null, null);
    }

    /// <summary>A seller's <paramref name="parts"/> from the aggregates of <paramref name="generation"/> rather than the live one (a rebuild's dry run).</summary>
    public Task<ScoringRead?> SellerAsync(string sellerId, ReadParts parts, long generation) =>
        ReadAsync(new ReadStart("seller", sellerId, parts, generation), null, null);

    /// <summary>
    /// <paramref name="read"/> again if it already holds the ranking counts at the qualities
    /// <paramref name="probes"/> asks about (besides each scored Gig's own), otherwise a new read with them.
    /// </summary>
    public Task<ScoringRead?> WithProbesAsync(ScoringRead read, Func<ScoringRead, IEnumerable<(string GigId, double Quality)>> probes) =>
        ReadAsync(read.Start, probes, read);

    private async Task<ScoringRead?> ReadAsync(ReadStart start, Func<ScoringRead, IEnumerable<(string GigId, double Quality)>>? probes, ScoringRead? first)
    {
        var asked = new List<(string GigId, double Quality)>();
        var read = first;
        for (int attempt = 1; ; attempt++)
        {
            if (read is null)
            {
                var reply = await Script.EvaluateReadOnlyAsync(redis.Database, [ScoringKeys.Sellers, GenerationState.Key], Arguments(start, asked));
                read = Parse(start, (RedisResult[])reply!);
                if (read is null)
                {
                    return null;
                }
            }

            var missing = Missing(read, probes);
            if (missing.Count == 0)
            {
                return read;
            }

            if (attempt == MaxAttempts)
            {
                throw new ConcurrencyConflictException(
                    $"the ranking counts of {start.Kind} {start.Id} kept changing under {MaxAttempts} reads (last missing: {string.Join(", ", missing.Select(m => $"{m.GigId} at {m.Quality:R}"))})");
            }

            asked.AddRange(missing);
            read = null;
        }
    }

    /// <summary>
    /// The qualities the engine will ask the rankings about (each scored, grouped Gig's own, and the
    /// caller's probes) that <paramref name="read"/> did not count at, each once; empty, with no list
    /// made, when it counted them all (every plain score read).
    /// </summary>
    private IReadOnlyList<(string GigId, double Quality)> Missing(ScoringRead read, Func<ScoringRead, IEnumerable<(string GigId, double Quality)>>? probes)
    {
        List<(string GigId, double Quality)>? missing = null;
        void Check(GigState gig, double quality)
        {
            if (!gig.HasCounts(quality) && !(missing ??= []).Contains((gig.Gig.GigId, quality)))
            {
                missing.Add((gig.Gig.GigId, quality));
            }
        }

        foreach (var gig in read.Gigs)
        {
            if (gig.IsRanked(Policy))
            {
                Check(gig, gig.Quality(Policy));
            }
        }

        foreach (var (gigId, quality) in probes?.Invoke(read) ?? [])
        {
            Check(read.Gig(gigId), quality);
        }

        return missing ?? (IReadOnlyList<(string GigId, double Quality)>)[];
    }

    private RedisValue[] Arguments(ReadStart start, IReadOnlyList<(string GigId, double Quality)> probes)
    {
        var args = new RedisValue[6 + (2 * probes.Count)];
        args[0] = Policy.CategoryMinGigs;
        args[1] = start.Kind;
        args[2] = start.Id;
        args[3] = Letters(start.Parts);
        args[4] = start.Generation is { } generation ? generation : "";
        args[5] = probes.Count;
        for (int i = 0; i < probes.Count; i++)
        {
            args[6 + (2 * i)] = probes[i].GigId;
            args[7 + (2 * i)] = probes[i].Quality.ToString("R", CultureInfo.InvariantCulture);
        }

        return args;
    }

    private static string Letters(ReadParts parts) =>
        (parts.HasFlag(ReadParts.Record) ? "r" : "")
        + (parts.HasFlag(ReadParts.SellerGigs) ? "g" : "")
        + (parts.HasFlag(ReadParts.Metrics) ? "m" : "")
        + (parts.HasFlag(ReadParts.GigOrders) ? "o" : "");

    private ScoringRead? Parse(ReadStart start, RedisResult[] reply)
    {
        if ((long)reply[0] == 0)
        {
            return null;
        }

        string sellerId = (string)reply[1]!;
        var record = reply[2].IsNull ? null : SellerRecord.FromFields(Hash($"scoring seller {sellerId}", reply[2]));
        // A Gig id in the seller's set always has its hash (both are written in one commit); the check keeps a stray id out.
        var gigReplies = (RedisResult[])reply[3]!;
        var gigs = new List<GigState>(gigReplies.Length);
        foreach (var gigReply in gigReplies)
        {
            if (ParseGig((RedisResult[])gigReply!) is { Gig.Exists: true } gig)
            {
                gigs.Add(gig);
            }
        }

        LevelFacts? metrics = null;
        if (!reply[4].IsNull)
        {
            var m = (RedisResult[])reply[4]!;
            metrics = new LevelFacts(
                ((RedisResult[])m[0]!).Select(v => (string)v!).ToList(),
                SellerTotals.FromFields(Hash($"scoring totals of {sellerId}", m[1])),
                (long)m[2],
                ResponseReport.FromFields(Hash($"response stats of {sellerId}", m[3])));
        }

        List<(string OrderId, OrderRecord Record)>? orders = null;
        if (!reply[5].IsNull)
        {
            var flat = (RedisResult[])reply[5]!;
            orders = [];
            for (int i = 0; i < flat.Length; i += 2)
            {
                string orderId = (string)flat[i]!;
                orders.Add((orderId, OrderRecord.FromPacked($"scoring order {orderId}", (string)flat[i + 1]!)));
            }

            orders.Sort((a, b) => string.CompareOrdinal(a.OrderId, b.OrderId));
        }

        gigs.Sort((a, b) => string.CompareOrdinal(a.Gig.GigId, b.Gig.GigId));
        return new ScoringRead(start, sellerId, record, gigs, metrics, orders);
    }

    private GigState ParseGig(RedisResult[] g)
    {
        string gigId = (string)g[0]!;
        var gig = GigRecord.FromPacked(gigId, (string)g[1]!);
        if (g[2].IsNull)
        {
            return new GigState(gig, null, PeerMeans.Uniform(Policy.PriorAreaMean), 0, null, []);
        }

        string suffix = (string)g[2]!;
        var group = gig.Groups.SingleOrDefault(k => k.RedisKeySuffix == suffix)
            ?? throw new InvalidOperationException($"the read script ranked Gig {gigId} in group '{suffix}', which is none of its groups ({string.Join(", ", gig.Groups.Select(k => k.RedisKeySuffix))})");
        var means = PeerGroupStore.MeansFrom(Hash($"scoring peer means {suffix}", g[3]), Policy);
        long size = (long)g[4];
        double? ranked = g[5].IsNull ? null : Number(g[5]);
        var flat = (RedisResult[])g[6]!;
        var counts = new List<RankingCounts>();
        for (int i = 0; i < flat.Length; i += 3)
        {
            counts.Add(new RankingCounts(Number(flat[i]), (long)flat[i + 1], (long)flat[i + 2]));
        }

        return new GigState(gig, group, means, size, ranked, counts);
    }

    private static double Number(RedisResult value) => double.Parse((string)value!, NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>A hash the script packed into one string (<see cref="HashReader.FromPacked"/>).</summary>
    private static HashReader Hash(string record, RedisResult packed) => HashReader.FromPacked(record, (string)packed!);

    /// <summary>
    /// KEYS[1] the set of sellers, KEYS[2] the generation state (<see cref="GenerationState"/>). ARGV:
    /// CategoryMinGigs, 'gig' or 'seller', the id, the parts' letters, the generation to read ('' = the
    /// live one), the number of probes, then (Gig id, quality) per probe; or 'sellers' ('gigs'), '' and no
    /// probes, then the sellers' (Gigs') ids, for one reply as below per seller (Gig). The key templates
    /// (<see cref="KeyTemplates"/>) are written into the text, not sent with every call, and only the
    /// ones a read uses get the generation's part. Replies {0} for an unknown Gig or seller, else
    /// {1, seller id, record or nil, Gigs, metrics or nil, orders or nil}, a Gig being
    /// {id, hash, group suffix or nil, means hash, group size, own quality or nil, {quality, below, at or below, ...}};
    /// every hash is packed into one string (names and values joined by NUL: <see cref="HashReader.FromPacked"/>),
    /// one bulk string instead of two per field.
    /// The group rule is <see cref="PeerGroupKey.Resolve"/>'s: the (band, category) group once it
    /// ranks CategoryMinGigs Gigs, else the band alone (the category ranking's size, read to decide,
    /// is the group size when it is chosen); its names are <see cref="PeerGroupKey.RedisKeySuffix"/>'s,
    /// written out again in Lua (the reply's suffix is checked against the Gig's groups). The Gig
    /// hash's fields <c>band</c>, <c>cat</c> and <c>seller</c> are <see cref="GigRecord.ToEntries"/>'s.
    /// Qualities stay strings from Redis to C# (Lua numbers would lose digits).
    /// </summary>
    private const string ScriptText = """
        local slot = --[[slot]]
        local T = { --[[templates]] }
        local categoryMin = tonumber(ARGV[1])
        local kind, id, parts = ARGV[2], ARGV[3], ARGV[4]
        local generation = ARGV[5]
        if generation == '' then generation = redis.call('HGET', KEYS[2], 'live') or '0' end
        local generationPart = ''
        if generation ~= '0' then generationPart = 'g' .. generation .. ':' end
        local probes = {}
        for i = 7, 6 + 2 * tonumber(ARGV[6]), 2 do
          probes[ARGV[i]] = probes[ARGV[i]] or {}
          table.insert(probes[ARGV[i]], ARGV[i + 1])
        end

        local resolved = {}
        local function key(name, id)
          local template = resolved[name]
          if template == nil then
            template = string.gsub(T[name], '\2', generationPart)
            resolved[name] = template
          end
          local at = string.find(template, slot, 1, true)
          return string.sub(template, 1, at - 1) .. id .. string.sub(template, at + #slot)
        end

        local function field(flat, name)
          for i = 1, #flat, 2 do
            if flat[i] == name then return flat[i + 1] end
          end
          return nil
        end

        local function wants(letter) return string.find(parts, letter, 1, true) ~= nil end

        -- A group's ranking size and packed means, read once per call (a batch of sellers shares groups).
        local sizes, packedMeans = {}, {}
        local function groupSize(suffix)
          local size = sizes[suffix]
          if size == nil then
            size = redis.call('ZCARD', key('ranking', suffix))
            sizes[suffix] = size
          end
          return size
        end
        local function means(suffix)
          local packed = packedMeans[suffix]
          if packed == nil then
            packed = table.concat(redis.call('HGETALL', key('means', suffix)), '\0')
            packedMeans[suffix] = packed
          end
          return packed
        end

        local function gig(gigId)
          local fields = redis.call('HGETALL', key('gig', gigId))
          local band = field(fields, 'band')
          if band == nil or string.sub(band, 1, 1) == '-' then return { gigId, table.concat(fields, '\0'), false, '', 0, false, {} }, fields end
          local suffix = 'b' .. band
          local inCategory = suffix .. ':c:' .. (field(fields, 'cat') or '')
          local size = groupSize(inCategory)
          if size >= categoryMin then suffix = inCategory end
          local ranking = key('ranking', suffix)
          if suffix ~= inCategory then size = groupSize(suffix) end
          local own = redis.call('ZSCORE', ranking, gigId)
          local qualities = {}
          if own then table.insert(qualities, own) end
          for _, q in ipairs(probes[gigId] or {}) do table.insert(qualities, q) end
          local counts = {}
          for _, q in ipairs(qualities) do
            table.insert(counts, q)
            table.insert(counts, redis.call('ZCOUNT', ranking, '-inf', '(' .. q))
            table.insert(counts, redis.call('ZCOUNT', ranking, '-inf', q))
          end
          return { gigId, table.concat(fields, '\0'), suffix, means(suffix), size, own, counts }, fields
        end

        local function read(kind, id)
          local sellerId, first, firstFields
          if kind == 'gig' then
            first, firstFields = gig(id)
            if #firstFields == 0 then return { 0 } end
            sellerId = field(firstFields, 'seller')
          else
            if redis.call('SISMEMBER', KEYS[1], id) == 0 then return { 0 } end
            sellerId = id
          end

          local record = false
          if wants('r') then record = table.concat(redis.call('HGETALL', key('seller', sellerId)), '\0') end

          local gigs = {}
          if wants('g') then
            for _, gigId in ipairs(redis.call('SMEMBERS', key('sellerGigs', sellerId))) do
              if gigId ~= id or kind ~= 'gig' then table.insert(gigs, (gig(gigId))) end
            end
          end
          if first then table.insert(gigs, first) end

          local metrics = false
          if wants('m') then
            metrics = { redis.call('HVALS', key('ratings', sellerId)), table.concat(redis.call('HGETALL', key('totals', sellerId)), '\0'),
              redis.call('SCARD', key('clients', sellerId)), table.concat(redis.call('HGETALL', key('response', sellerId)), '\0') }
          end

          local orders = false
          if wants('o') then
            orders = {}
            for _, orderId in ipairs(redis.call('SMEMBERS', key('gigOrders', id))) do
              table.insert(orders, orderId)
              table.insert(orders, table.concat(redis.call('HGETALL', key('order', orderId)), '\0'))
            end
          end

          return { 1, sellerId, record, gigs, metrics, orders }
        end

        if kind == 'sellers' or kind == 'gigs' then
          local each = kind == 'sellers' and 'seller' or 'gig'
          local replies = {}
          for i = 7 + 2 * tonumber(ARGV[6]), #ARGV do table.insert(replies, read(each, ARGV[i])) end
          return replies
        end
        return read(kind, id)
        """;

    /// <summary>Where a read starts: a Gig or a seller, and the parts it takes.</summary>
    public sealed record ReadStart(string Kind, string Id, ReadParts Parts, long? Generation = null);
}

/// <summary>One consistent read: the seller, their record, the Gigs read (in id order), the level facts and the starting Gig's orders, as asked.</summary>
public sealed record ScoringRead(
    ScoreReads.ReadStart Start,
    string SellerId,
    SellerRecord? Record,
    IReadOnlyList<GigState> Gigs,
    LevelFacts? Metrics,
    IReadOnlyList<(string OrderId, OrderRecord Record)>? Orders)
{
    public GigState Gig(string gigId)
    {
        foreach (var gig in Gigs)
        {
            if (gig.Gig.GigId == gigId)
            {
                return gig;
            }
        }

        throw new InvalidOperationException($"Gig {gigId} is not part of this read");
    }

    /// <summary>Every Gig read, scored from this state, in Gig id order.</summary>
    public IReadOnlyList<ScoredGig> Scored(ScoringPolicy policy) => Gigs.Select(g => g.Score(policy)).ToList();

    /// <summary>The level metrics of SPEC 5.4 in this state (a read with <see cref="ReadParts.SellerGigs"/> and <see cref="ReadParts.Metrics"/>).</summary>
    public LevelMetrics LevelMetrics(DateTimeOffset now, ScoringPolicy policy) =>
        (Metrics ?? throw new InvalidOperationException("this read did not take the level facts"))
            .Metrics(SellerScore.Of(Scored(policy).Select(g => g.Score)).Score, now, policy);
}

/// <summary>
/// A Gig as one read found it: its record, the group it is ranked in now (null before its first
/// order has a price), that group's means snapshot and size, the quality the ranking holds for it
/// (null when it is not ranked there) and the ranking counts at the qualities counted.
/// </summary>
public sealed record GigState(GigRecord Gig, PeerGroupKey? Group, PeerMeans Means, long GroupSize, double? Ranked, IReadOnlyList<RankingCounts> Counts)
{
    /// <summary>The Gig's quality at its group's snapshot.</summary>
    public double Quality(ScoringPolicy policy) => GigScorer.QualityOf(Gig.Aggregate, Means, policy);

    /// <summary>Whether its score is a percentile in a group (it has a group and enough scored orders).</summary>
    public bool IsRanked(ScoringPolicy policy) => Group is not null && Gig.Aggregate.ScoredOrders >= policy.MinScoredOrders;

    public bool HasCounts(double quality) => CountsAt(Counts, quality) is not null;

    /// <summary>The counts read at <paramref name="quality"/>, or null (a loop: every score read asks this).</summary>
    private static RankingCounts? CountsAt(IReadOnlyList<RankingCounts> counts, double quality)
    {
        foreach (var c in counts)
        {
            if (c.Quality == quality)
            {
                return c;
            }
        }

        return null;
    }

    /// <summary>The group's ranking as far as this read counted it.</summary>
    public IPeerRanking Ranking => new SampledRanking(GroupSize, Counts);

    /// <summary>The engine's score of the Gig in this state.</summary>
    public ScoredGig Score(ScoringPolicy policy)
    {
        var score = IsRanked(policy)
            ? GigScorer.Score(Gig.Aggregate, Means, Ranking, Ranked, policy)
            : GigScorer.Score(Gig.Aggregate, Means, PeerRanking.Empty, null, policy);
        return new ScoredGig(Gig, score, Group, GroupSize, Means);
    }

    /// <summary>The counts read at a few qualities, as the engine's <see cref="IPeerRanking"/>; another quality is a bug.</summary>
    private sealed class SampledRanking(long count, IReadOnlyList<RankingCounts> counts) : IPeerRanking
    {
        public long Count => count;

        public long CountBelow(double quality) => At(quality).Below;

        public long CountAtOrBelow(double quality) => At(quality).AtOrBelow;

        private RankingCounts At(double quality) =>
            CountsAt(counts, quality) ?? throw new InvalidOperationException($"the ranking was not counted at quality {quality:R}");
    }
}

/// <summary>The facts of a seller's level metrics (SPEC 5.4) as one read found them: all but the success score.</summary>
/// <param name="Ratings">The published overall ratings, "published-unix-seconds overall" each.</param>
public sealed record LevelFacts(IReadOnlyList<string> Ratings, SellerTotals Totals, long Clients, ResponseReport? Response)
{
    /// <summary>
    /// The metrics with <paramref name="successScore"/>: the rating over its window, the response
    /// rate as Messaging last reported it (null without buyer-opened conversations: the level
    /// policy decides), the completed orders, clients and earnings.
    /// </summary>
    public LevelMetrics Metrics(double? successScore, DateTimeOffset now, ScoringPolicy policy)
    {
        var from = now.AddDays(-policy.RatingWindowDays).ToUnixTimeSeconds();
        var ratings = Ratings
            .Select(v => v.Split(' '))
            .Where(p => long.Parse(p[0], CultureInfo.InvariantCulture) >= from)
            .Select(p => int.Parse(p[1], CultureInfo.InvariantCulture))
            .ToList();
        return new LevelMetrics(
            successScore,
            ratings.Count > 0 ? ratings.Average() : null,
            Response?.Rate,
            (int)Math.Min(Totals.Completed, int.MaxValue),
            (int)Math.Min(Clients, int.MaxValue),
            Totals.EarnedCents / 100m);
    }
}

/// <summary>One Gig scored from one read: the engine's score, the group it was ranked in, that group's size and means snapshot.</summary>
public sealed record ScoredGig(GigRecord Gig, GigScore Score, PeerGroupKey? Group, long GroupSize, PeerMeans Means);

/// <summary>The ranking counts at one quality: the Gigs of the group strictly below it, and at or below it.</summary>
public sealed record RankingCounts(double Quality, long Below, long AtOrBelow);
