namespace Marketplace.Simulation;

/// <summary>How a seller behaves (issue 14). The traits of each are in <see cref="SellerTraits"/>.</summary>
public enum SellerProfile
{
    Reliable,
    Average,
    OftenLate,
    OverPromising,
    SlowToAnswer,
    CancelsOften,
    Newcomer,

    /// <summary>Tries the exemptions the integrity rules closed (SPEC 2, 3): claims without the facts, incentives for reviews. Must be refused.</summary>
    ExemptionSeeker,
}

/// <summary>How a buyer behaves. The traits of each are in <see cref="BuyerTraits"/>.</summary>
public enum BuyerProfile
{
    Happy,
    Picky,
    Silent,
    Hostile,
    FirstTimer,
}

/// <summary>A seller's habits, as probabilities and delays in slots of the simulation (<see cref="SimulationOptions.SlotHours"/>).</summary>
/// <param name="OnTime">Share of orders delivered by the due time (without an extension).</param>
/// <param name="LateSlotsMax">How late a late delivery is at most.</param>
/// <param name="ReplyMin">Fewest slots before answering a buyer's question.</param>
/// <param name="ReplyMax">Most slots before answering (4 slots of 6 h = 24 h: more marks the seller unresponsive).</param>
/// <param name="Cancels">Share of orders the seller cancels before delivering.</param>
/// <param name="Extensions">Share of orders the seller asks an extension for (Resolution Center).</param>
/// <param name="Quality">How good the work is, 0..1: the buyers' ratings follow it.</param>
/// <param name="ReviewRequests">Share of completed orders with a conversation the seller sends a review request for.</param>
/// <param name="MaxDeliveryDays">The longest delivery time the seller's Gigs promise (over-promisers promise little time).</param>
public sealed record SellerTraits(double OnTime, int LateSlotsMax, int ReplyMin, int ReplyMax, double Cancels, double Extensions,
    double Quality, double ReviewRequests, int MaxDeliveryDays)
{
    public static SellerTraits Of(SellerProfile profile) => profile switch
    {
        SellerProfile.Reliable => new(0.97, 2, 0, 1, 0.01, 0.03, 0.92, 0.5, 7),
        SellerProfile.Average => new(0.85, 6, 0, 2, 0.03, 0.05, 0.74, 0.35, 7),
        SellerProfile.OftenLate => new(0.35, 12, 0, 3, 0.04, 0.04, 0.62, 0.3, 7),
        SellerProfile.OverPromising => new(0.55, 10, 0, 2, 0.03, 0.6, 0.64, 0.3, 2),
        SellerProfile.SlowToAnswer => new(0.85, 4, 3, 8, 0.03, 0.03, 0.7, 0.2, 7),
        SellerProfile.CancelsOften => new(0.8, 6, 0, 3, 0.3, 0.03, 0.64, 0.3, 7),
        SellerProfile.Newcomer => new(0.8, 6, 0, 2, 0.04, 0.05, 0.7, 0.4, 5),
        SellerProfile.ExemptionSeeker => new(0.7, 8, 0, 4, 0.25, 0.05, 0.6, 0.7, 7),
        _ => throw new ArgumentOutOfRangeException(nameof(profile)),
    };

    /// <summary>Profiles the report counts as unreliable (late, cancelling, over-promising, seeking exemptions).</summary>
    public static bool IsUnreliable(SellerProfile profile) =>
        profile is SellerProfile.OftenLate or SellerProfile.CancelsOften or SellerProfile.OverPromising or SellerProfile.ExemptionSeeker;
}

/// <summary>A buyer's habits.</summary>
/// <param name="Questions">Share of orders the buyer asks the seller something on.</param>
/// <param name="Reviews">Share of completed orders the buyer reviews.</param>
/// <param name="Bias">Added to the stars the work earns (happy buyers give more, hostile ones less).</param>
/// <param name="Revisions">Share of deliveries the buyer asks a revision of.</param>
/// <param name="AcceptsDelivery">Whether the buyer accepts deliveries (a silent one lets them complete automatically after 3 days).</param>
/// <param name="ExtensionAccept">Share of extension requests accepted; the rest rejected, or left unanswered by a silent buyer (auto-accepted after 48 h).</param>
/// <param name="CancelsLate">Share of late orders the buyer cancels alone (allowed once the order is late).</param>
/// <param name="Disputes">Share of deliveries the buyer disputes (a cancellation request the seller rejects, then support).</param>
/// <param name="NoRequirements">Share of orders whose requirements the buyer never sends.</param>
/// <param name="Mistakes">Share of orders placed by mistake and withdrawn within 24 h.</param>
public sealed record BuyerTraits(double Questions, double Reviews, double Bias, double Revisions, bool AcceptsDelivery,
    double ExtensionAccept, double CancelsLate, double Disputes, double NoRequirements, double Mistakes)
{
    public static BuyerTraits Of(BuyerProfile profile) => profile switch
    {
        BuyerProfile.Happy => new(0.3, 0.8, 0.4, 0.08, true, 0.95, 0.05, 0.01, 0.01, 0.005),
        BuyerProfile.Picky => new(0.6, 0.85, -0.5, 0.45, true, 0.5, 0.25, 0.04, 0.02, 0.01),
        BuyerProfile.Silent => new(0.1, 0.15, 0, 0.02, false, 0, 0.02, 0, 0.25, 0),
        BuyerProfile.Hostile => new(0.5, 0.9, -1.3, 0.3, true, 0.2, 0.35, 0.2, 0.03, 0.01),
        BuyerProfile.FirstTimer => new(0.5, 0.6, 0, 0.1, true, 0.8, 0.05, 0.02, 0.05, 0.08),
        _ => throw new ArgumentOutOfRangeException(nameof(profile)),
    };
}

/// <summary>A price band of SPEC 1 (USD), as Scoring names it (<c>b0</c>..<c>b5</c>).</summary>
public sealed record PriceBand(int Index, long FromCents, long? ToCents)
{
    /// <summary>SPEC 1's default bands: [0,25) [25,50) [50,100) [100,250) [250,500) [500,∞).</summary>
    public static readonly IReadOnlyList<PriceBand> All =
    [
        new(0, 0, 2_500), new(1, 2_500, 5_000), new(2, 5_000, 10_000), new(3, 10_000, 25_000), new(4, 25_000, 50_000), new(5, 50_000, null),
    ];

    public string Name => ToCents is { } to ? $"${FromCents / 100}-{to / 100}" : $"${FromCents / 100}+";
}

public sealed record Seller(string Id, SellerProfile Profile, SellerTraits Traits, double Quality, int JoinSlot);

public sealed record Gig(string Id, Seller Seller, string Category, PriceBand Band, long PriceCents, int DeliveryDays, int RevisionsIncluded, double Popularity);

public sealed record Buyer(string Id, BuyerProfile Profile, BuyerTraits Traits, bool HasSellerAccount);

/// <summary>
/// The simulated marketplace: sellers with Gigs across categories and price bands, and buyers,
/// made from the seed alone (same seed, same marketplace).
/// </summary>
public sealed class World
{
    public static readonly IReadOnlyList<string> Categories =
    [
        "logo-design", "web-development", "writing-translation", "video-animation",
        "digital-marketing", "music-audio", "data-analysis", "programming",
    ];

    private static readonly (SellerProfile Profile, double Weight)[] SellerMix =
    [
        (SellerProfile.Reliable, 0.25), (SellerProfile.Average, 0.30), (SellerProfile.OftenLate, 0.10),
        (SellerProfile.OverPromising, 0.08), (SellerProfile.SlowToAnswer, 0.08), (SellerProfile.CancelsOften, 0.07),
        (SellerProfile.Newcomer, 0.08), (SellerProfile.ExemptionSeeker, 0.04),
    ];

    private static readonly (BuyerProfile Profile, double Weight)[] BuyerMix =
    [
        (BuyerProfile.Happy, 0.40), (BuyerProfile.Picky, 0.20), (BuyerProfile.Silent, 0.15),
        (BuyerProfile.Hostile, 0.05), (BuyerProfile.FirstTimer, 0.20),
    ];

    private static readonly double[] BandWeights = [0.12, 0.20, 0.25, 0.23, 0.12, 0.08];

    private World(SimulationOptions options, IReadOnlyList<Seller> sellers, IReadOnlyList<Gig> gigs, IReadOnlyList<Buyer> buyers)
    {
        Options = options;
        Sellers = sellers;
        Gigs = gigs;
        Buyers = buyers;
    }

    public SimulationOptions Options { get; }

    public IReadOnlyList<Seller> Sellers { get; }

    public IReadOnlyList<Gig> Gigs { get; }

    public IReadOnlyList<Buyer> Buyers { get; }

    public static World Create(SimulationOptions options)
    {
        var random = new Random(Seeds.Mix(options.Seed, -2));
        string prefix = options.RunId;
        var sellers = new List<Seller>(options.Sellers);
        for (int i = 0; i < options.Sellers; i++)
        {
            // Every profile at least once (when there are enough sellers), then by the mix.
            var profile = i < SellerMix.Length && options.Sellers >= SellerMix.Length ? SellerMix[i].Profile : Pick(random, SellerMix);
            var traits = SellerTraits.Of(profile);
            double quality = Math.Clamp(traits.Quality + ((random.NextDouble() - 0.5) * 0.12), 0.05, 1);
            int join = profile == SellerProfile.Newcomer
                ? (int)(options.TotalSlots * (0.45 + (random.NextDouble() * 0.3)))
                : 0;
            sellers.Add(new Seller($"{prefix}-s{i + 1:D4}", profile, traits, quality, join));
        }

        int gigCount = Math.Max(options.Sellers, (int)Math.Round(options.Sellers * options.GigsPerSeller));
        var gigs = new List<Gig>(gigCount);
        var perSeller = new int[sellers.Count];
        for (int i = 0; i < gigCount; i++)
        {
            // One Gig each first, then the rest at random.
            int s = i < sellers.Count ? i : random.Next(sellers.Count);
            perSeller[s]++;
            var seller = sellers[s];
            string category = Categories[(s * 3 + (perSeller[s] > 1 && random.NextDouble() < 0.3 ? 1 : 0)) % Categories.Count];
            var band = PriceBand.All[Pick(random, BandWeights)];
            long top = band.ToCents ?? 200_000;
            long price = band.FromCents + (long)(random.NextDouble() * (top - band.FromCents));
            price = Math.Max(500, price - (price % 100));
            int maxDays = Math.Min(seller.Traits.MaxDeliveryDays, 2 + band.Index);
            int days = 1 + random.Next(Math.Max(1, maxDays));
            double popularity = Math.Exp(Normal(random) * 0.6) * (seller.Profile == SellerProfile.Reliable ? 1.3 : 1);
            gigs.Add(new Gig($"{seller.Id}-g{perSeller[s]}", seller, category, band, price, days, 1 + random.Next(2), popularity));
        }

        int buyerCount = Math.Max(4, (int)Math.Round(options.Sellers * options.BuyersPerSeller));
        var buyers = new List<Buyer>(buyerCount);
        for (int i = 0; i < buyerCount; i++)
        {
            var profile = i < BuyerMix.Length ? BuyerMix[i].Profile : Pick(random, BuyerMix);
            buyers.Add(new Buyer($"{prefix}-b{i + 1:D5}", profile, BuyerTraits.Of(profile), random.NextDouble() < 0.05));
        }

        return new World(options, sellers, gigs, buyers);
    }

    internal static T Pick<T>(Random random, (T Value, double Weight)[] mix)
    {
        double r = random.NextDouble() * mix.Sum(m => m.Weight);
        foreach (var (value, weight) in mix)
        {
            r -= weight;
            if (r < 0)
            {
                return value;
            }
        }

        return mix[^1].Value;
    }

    internal static int Pick(Random random, double[] weights)
    {
        double r = random.NextDouble() * weights.Sum();
        for (int i = 0; i < weights.Length; i++)
        {
            r -= weights[i];
            if (r < 0)
            {
                return i;
            }
        }

        return weights.Length - 1;
    }

    /// <summary>A standard normal draw (Box-Muller).</summary>
    internal static double Normal(Random random)
    {
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
