using System.Collections.Concurrent;
using System.Globalization;

namespace Marketplace.Bench.Load;

/// <summary>The bench's knobs, from environment variables (README.md lists them).</summary>
public sealed record LoadSettings(
    int DurationSeconds, int WarmupSeconds, int WarmupMaxSeconds, int JitStepSeconds, int JitSettledMs,
    int InFlight, int Sellers, int GigsPerSeller, int Buyers,
    int SeedOrdersPerGig, double WriteShare, int RoundTripCalls, bool AppendOnly)
{
    public static LoadSettings FromEnvironment() => new(
        Int("DURATION", 30, 1, 3600),
        Int("WARMUP", 5, 0, 600),
        Int("WARMUP_MAX", 300, 0, 3600),
        Int("JIT_STEP", 5, 1, 60),
        Int("JIT_SETTLED_MS", 20, 0, 60_000),
        Int("INFLIGHT", 32, 1, 1024),
        Int("SELLERS", 20, 1, 10_000),
        Int("GIGS_PER_SELLER", 2, 1, 20),
        Int("BUYERS", 100, 1, 100_000),
        Int("SEED_ORDERS_PER_GIG", 6, 3, 100),
        Int("WRITE_SHARE_PERCENT", 20, 0, 100) / 100.0,
        Int("ROUND_TRIP_CALLS", 1000, 10, 100_000),
        Environment.GetEnvironmentVariable("AOF") is not ("0" or "no" or "off"));

    public override string ToString() =>
        $"{DurationSeconds} s measured after at least {WarmupSeconds} s of warm-up (then until the services' tiered compilers used at most {JitSettledMs} ms in each of two {JitStepSeconds} s steps in a row, at most {WarmupMaxSeconds} s in all), {InFlight} calls in flight, {WriteShare:P0} writes, "
        + $"{Sellers} sellers x {GigsPerSeller} Gigs, {Buyers} buyers, {SeedOrdersPerGig} seeded orders per Gig, Redis AOF {(AppendOnly ? "on (everysec)" : "off")}";

    private static int Int(string name, int fallback, int min, int max)
    {
        string? text = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
        {
            throw new ArgumentException($"{name}={text}: a whole number from {min} to {max}");
        }

        return value;
    }
}

public sealed record Gig(string GigId, string SellerId, string Category, long AmountCents);

/// <summary>An order the traffic may read: its id and its buyer (who may read it).</summary>
public sealed record KnownOrder(string OrderId, string BuyerId);

/// <summary>The bench's marketplace: sellers with their Gigs, buyers, and the orders placed so far.</summary>
public sealed class World
{
    private static readonly string[] Categories = ["logo-design", "web-development", "translation"];

    private readonly ConcurrentBag<KnownOrder> _orders = [];
    private KnownOrder[] _snapshot = [];

    public World(LoadSettings settings)
    {
        OrdersPerGig = settings.SeedOrdersPerGig;
        RunId = DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture);
        Sellers = Enumerable.Range(1, settings.Sellers).Select(i => $"seller-{i}").ToList();
        Buyers = Enumerable.Range(1, settings.Buyers).Select(i => $"buyer-{i}").ToList();
        Gigs = Sellers
            .SelectMany((seller, s) => Enumerable.Range(1, settings.GigsPerSeller).Select(g =>
                new Gig($"{seller}-gig-{g}", seller, Categories[(s + g) % Categories.Length], 5_000 + 2_500 * (g % 3))))
            .ToList();
    }

    public string RunId { get; }

    /// <summary>Reviewed, completed orders each Gig gets before the traffic.</summary>
    public int OrdersPerGig { get; }

    public IReadOnlyList<string> Sellers { get; }

    public IReadOnlyList<string> Buyers { get; }

    public IReadOnlyList<Gig> Gigs { get; }

    public int OrderCount => _orders.Count;

    public void Add(KnownOrder order) => _orders.Add(order);

    /// <summary>A random known order (from a snapshot refreshed by <see cref="RefreshSnapshot"/>, so picking costs nothing).</summary>
    public KnownOrder AnyOrder(Random random) => _snapshot[random.Next(_snapshot.Length)];

    public void RefreshSnapshot() => _snapshot = [.. _orders];
}
