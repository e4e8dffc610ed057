using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Marketplace.Contracts.Orders.V1;

namespace Marketplace.Simulation;

/// <summary>Who makes a call: each party with its own token.</summary>
public enum Party
{
    Buyer,
    Seller,
    Support,
    Internal,
}

/// <summary>What a step does; each is one gRPC call (two for <see cref="CancelledOrderReview"/>).</summary>
public enum Act
{
    Place,
    Requirements,
    Start,

    /// <summary>The seller opens the order's conversation asking for the requirements.</summary>
    AskRequirements,

    /// <summary>The buyer opens the order's conversation with a question.</summary>
    Question,

    /// <summary>The seller answers on the order's conversation.</summary>
    Reply,

    /// <summary>The buyer answers on the order's conversation.</summary>
    BuyerMessage,
    Deliver,
    RequestRevision,
    DeclineRevision,
    Accept,
    OpenExtension,
    OpenCancellationRequest,
    OpenRefund,
    RespondToResolution,
    Escalate,
    ResolveDispute,
    Cancel,
    BuyerReview,
    SellerReview,
    SellerResponse,
    ReviewRequest,
    RemoveReview,

    /// <summary>The buyer asks whether the cancelled order can be reviewed, and reviews it when it can (SPEC 4).</summary>
    CancelledOrderReview,
}

/// <summary>The stars of a buyer's review, drawn when the plan is made.</summary>
public sealed record PlannedRatings(int Overall, int Communication, int Quality, int Value, bool WouldRecommend, int? Private, string Text);

/// <summary>
/// One call of the plan, at a slot. <paramref name="Refused"/> marks an attempt the platform must
/// refuse (an exemption without the facts, an incentive in a review request): the runner counts it
/// as refused only when the service answers FAILED_PRECONDITION, and as a failure otherwise.
/// </summary>
public sealed record Step(int Slot, Act Act, Party By, bool Refused = false, CancellationReason Reason = CancellationReason.Unspecified,
    bool Flag = false, int Value = 0, string? Text = null, PlannedRatings? Ratings = null, string? Attempt = null)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Slot}:{Act}:{By}:{(Refused ? "refused" : "ok")}:{Reason}:{Flag}:{Value}:{Text}:{Ratings}:{Attempt}");
}

/// <summary>One order of the plan: the Gig, the buyer, the amount, the due slot, and its steps in slot order.</summary>
public sealed record PlannedOrder(int Index, string Label, Gig Gig, Buyer Buyer, long AmountCents, int PlacedSlot, int DueSlot, string Story, IReadOnlyList<Step> Steps);

/// <summary>
/// The whole run, decided up front from the seed: the world and every order's steps. The same
/// seed gives the same plan (<see cref="Digest"/>), so the same sequence of actions.
/// </summary>
public sealed class Plan
{
    private Plan(World world, IReadOnlyList<PlannedOrder> orders)
    {
        World = world;
        Orders = orders;
    }

    public World World { get; }

    public IReadOnlyList<PlannedOrder> Orders { get; }

    public SimulationOptions Options => World.Options;

    public int StepCount => Orders.Sum(o => o.Steps.Count);

    public static Plan Create(SimulationOptions options)
    {
        var world = World.Create(options);
        var random = new Random(Seeds.Mix(options.Seed, -1));
        int tail = Math.Min(options.TotalSlots / 2, 30 * options.SlotsPerDay);
        int lastPlacement = Math.Max(1, options.TotalSlots - tail);
        var weights = world.Gigs.Select(g => g.Popularity).ToArray();
        var cumulative = new double[weights.Length];
        double sum = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            sum += weights[i];
            cumulative[i] = sum;
        }

        var regulars = world.Buyers.Where(b => b.Profile != BuyerProfile.FirstTimer).ToList();
        var firstTimers = new Queue<Buyer>(world.Buyers.Where(b => b.Profile == BuyerProfile.FirstTimer));
        var placements = new List<(int Slot, Gig Gig, Buyer Buyer)>(options.Orders);
        for (int i = 0; i < options.Orders; i++)
        {
            int found = Array.BinarySearch(cumulative, random.NextDouble() * sum);
            var gig = world.Gigs[Math.Min(world.Gigs.Count - 1, found < 0 ? ~found : found)];
            int from = gig.Seller.JoinSlot;
            int slot = from + random.Next(Math.Max(1, lastPlacement - from));
            // A first-timer places one order ever; the rest are regulars.
            var buyer = random.NextDouble() < 0.12 && firstTimers.Count > 0 ? firstTimers.Dequeue() : regulars[random.Next(regulars.Count)];
            placements.Add((slot, gig, buyer));
        }

        // Orders in the order they are placed; each has its own generator, so its story depends on the seed and its index only.
        var orders = placements
            .OrderBy(p => p.Slot)
            .Select((p, index) => StoryWriter.Write(options, index, p.Gig, p.Buyer, p.Slot, new Random(Seeds.Mix(options.Seed, index))))
            .ToList();
        return new Plan(world, orders);
    }

    /// <summary>SHA-256 of the world and every step: equal digests, equal runs of actions.</summary>
    public string Digest()
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string s) => sha.AppendData(Encoding.UTF8.GetBytes(s + "\n"));
        foreach (var s in World.Sellers)
        {
            Add(string.Create(CultureInfo.InvariantCulture, $"{s.Id} {s.Profile} {s.Quality:R} {s.JoinSlot}"));
        }

        foreach (var g in World.Gigs)
        {
            Add(string.Create(CultureInfo.InvariantCulture, $"{g.Id} {g.Category} {g.Band.Index} {g.PriceCents} {g.DeliveryDays} {g.RevisionsIncluded}"));
        }

        foreach (var b in World.Buyers)
        {
            Add($"{b.Id} {b.Profile} {b.HasSellerAccount}");
        }

        foreach (var o in Orders)
        {
            Add(string.Create(CultureInfo.InvariantCulture, $"{o.Label} {o.Gig.Id} {o.Buyer.Id} {o.AmountCents} {o.PlacedSlot} {o.DueSlot} {o.Story}"));
            foreach (var step in o.Steps)
            {
                Add(step.ToString());
            }
        }

        return Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant();
    }
}

/// <summary>Deterministic seeds (HashCode is randomised per process, so it cannot make a plan repeatable).</summary>
internal static class Seeds
{
    public static int Mix(int seed, int stream)
    {
        ulong x = unchecked(((ulong)(uint)seed << 32) ^ (uint)stream ^ 0x9E3779B97F4A7C15UL);
        x = unchecked((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL);
        x = unchecked((x ^ (x >> 27)) * 0x94D049BB133111EBUL);
        return (int)((x ^ (x >> 31)) & int.MaxValue);
    }
}
