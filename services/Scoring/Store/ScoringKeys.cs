namespace Marketplace.Scoring.Store;

/// <summary>
/// The Scoring service's Redis keys (layout in services/Scoring/README.md). The entity id is
/// the hash tag, so one entity's keys share a cluster slot.
/// </summary>
public static class ScoringKeys
{
    /// <summary>Hash: what Scoring knows of an order (<see cref="OrderRecord"/>) and the contribution it adds to its Gig.</summary>
    public static string Order(string orderId) => $"scoring:order:{{{orderId}}}";

    /// <summary>Hash: a Gig's aggregate, its peer group and its seller (<see cref="GigRecord"/>).</summary>
    public static string Gig(string gigId) => $"scoring:gig:{{{gigId}}}";

    /// <summary>Sorted set: the Gig's included orders (outcome final, counting), scored by outcome time (unix seconds).</summary>
    public static string GigIncluded(string gigId) => $"scoring:gig:{{{gigId}}}:included";

    /// <summary>Set: every order of the Gig Scoring has facts for (what-if rebuilds the Gig from them).</summary>
    public static string GigOrders(string gigId) => $"scoring:gig:{{{gigId}}}:orders";

    /// <summary>Sorted set: a peer group's scored Gigs, scored by quality at the group's means snapshot.</summary>
    public static string PeerRanking(string group) => $"scoring:peer:{{{group}}}:ranking";

    /// <summary>Hash: a peer group's running sums of area indices (n0..n5, s0..s5), applied with HINCRBY.</summary>
    public static string PeerStats(string group) => $"scoring:peer:{{{group}}}:stats";

    /// <summary>Hash: the means snapshot of the last evaluation (m0..m5, at); absent = the policy prior.</summary>
    public static string PeerMeans(string group) => $"scoring:peer:{{{group}}}:means";

    /// <summary>Set: every peer group key suffix in use (the daily evaluation walks them).</summary>
    public const string PeerGroups = "scoring:{peer-groups}";

    /// <summary>Hash: a seller's level state, low-performance flag, event version and metrics counters.</summary>
    public static string Seller(string sellerId) => $"scoring:seller:{{{sellerId}}}";

    /// <summary>Set: the seller's Gig ids.</summary>
    public static string SellerGigs(string sellerId) => $"scoring:seller:{{{sellerId}}}:gigs";

    /// <summary>Hash: order id → "published-unix-seconds overall" of the seller's published reviews (level rating).</summary>
    public static string SellerRatings(string sellerId) => $"scoring:seller:{{{sellerId}}}:ratings";

    /// <summary>Hash: conversation id → "version started-unix-ms first-reply-unix-ms|-" of buyer-opened conversations (response rate).</summary>
    public static string SellerConversations(string sellerId) => $"scoring:seller:{{{sellerId}}}:conversations";

    /// <summary>
    /// Hash: the seller's latest response statistics from Messaging (<c>end</c>, the window's end in UTC
    /// ticks; <c>rate</c>, absent without buyer-opened conversations; <c>opened</c>, <c>answered</c>).
    /// </summary>
    public static string SellerResponseStats(string sellerId) => $"scoring:seller:{{{sellerId}}}:response";

    /// <summary>Hash: <c>completed</c> orders and <c>earned_cents</c> (USD, amount less refunds), raised once per completed order.</summary>
    public static string SellerTotals(string sellerId) => $"scoring:seller:{{{sellerId}}}:totals";

    /// <summary>Set: the buyers of the seller's completed orders (unique clients).</summary>
    public static string SellerClients(string sellerId) => $"scoring:seller:{{{sellerId}}}:clients";

    /// <summary>Set: every seller Scoring knows.</summary>
    public const string Sellers = "scoring:{sellers}";

    /// <summary>Hash: seller id → change counter; sellers whose own events changed and wait for re-evaluation.</summary>
    public const string DirtySellers = "scoring:{dirty-sellers}";

    /// <summary>Hash: seller id → when and why their evaluation was parked after failing repeatedly (for support); cleared by their next successful one.</summary>
    public const string ParkedSellers = "scoring:{dirty-sellers}:parked";

    /// <summary>Hash: when the daily evaluation last ran and is next due (one lease for all replicas).</summary>
    public const string Evaluation = "scoring:{evaluation}";

    /// <summary>String with a TTL: the replica that currently runs the daily evaluation.</summary>
    public const string EvaluationLease = "scoring:{evaluation}:lease";

    // ---- evaluation history (issue 13, Store/EvaluationHistory) ----

    /// <summary>Stream: the Gig's evaluations (<see cref="GigHistoryEntry"/> in field <c>e</c>), id = evaluation time (unix ms)-n.</summary>
    public static string GigHistory(string gigId) => $"scoring:gig:{{{gigId}}}:history";

    /// <summary>Sorted set: the Gig's change log (<see cref="ChangeLogEntry"/>), scored by the Gig's <c>rev</c> after the change.</summary>
    public static string GigChanges(string gigId) => $"scoring:gig:{{{gigId}}}:changes";

    /// <summary>String: a peer group at one evaluation (<see cref="GroupEvaluation"/>): size, means snapshot, sorted qualities.</summary>
    public static string PeerEvaluation(string group, long evaluatedMs) => $"scoring:peer:{{{group}}}:eval:{evaluatedMs}";

    /// <summary>Sorted set: every evaluation kept (member and score = its time in unix ms).</summary>
    public const string Evaluations = "scoring:{evaluations}";

    /// <summary>Hash: evaluation time (unix ms) → the policy version it ran under.</summary>
    public const string EvaluationPolicies = "scoring:{evaluations}:policy";

    /// <summary>Hash: policy version → the policy's scoring numbers as JSON (<see cref="PolicyVersion"/>).</summary>
    public const string Policies = "scoring:{policies}";
}
