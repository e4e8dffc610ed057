using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Marketplace.Scoring.Engine;

namespace Marketplace.Scoring.Store;

/// <summary>
/// A policy's version: the first 16 hex digits of the SHA-256 of its numbers as canonical JSON
/// (object keys sorted, the set of non-counting cancellation reasons sorted), so the same numbers
/// give the same version on every replica and after every restart, and any changed number gives
/// another. Each evaluation records the version it ran under (<see cref="ScoringKeys.EvaluationPolicies"/>),
/// and each version its scoring numbers (<see cref="ScoringNumbers"/>, in <see cref="ScoringKeys.Policies"/>),
/// so an explanation can say that the policy changed and score an earlier state under a later policy.
/// </summary>
public static class PolicyVersion
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    public static string Of(ScoringPolicy policy)
    {
        var node = JsonSerializer.SerializeToNode(policy, Json)!;
        var canonical = Canonical(node)!.ToJsonString(Json);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))[..16];
    }

    private static JsonNode? Canonical(JsonNode? node, string? name = null) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, Canonical(p.Value, p.Key)))),
        JsonArray a when name == nameof(CancellationRules.NotCounting) =>
            new JsonArray([.. a.Select(v => v!.ToJsonString()).Order(StringComparer.Ordinal).Select(v => JsonNode.Parse(v))]),
        JsonArray a => new JsonArray([.. a.Select(v => Canonical(v))]),
        null => null,
        _ => JsonNode.Parse(node.ToJsonString()),
    };
}

/// <summary>
/// The numbers of a policy that turn a Gig's sums into its quality and score (SPEC 5.2): what an
/// explanation needs to score a stored state under another evaluation's policy. The numbers applied
/// per order (half-life, sub-weights, value bands, cancellations) are in the stored sums already.
/// </summary>
public sealed record ScoringNumbers(AreaWeights AreaWeights, double ShrinkagePseudoOrders, int MinScoredOrders, double PriorAreaMean)
{
    public static ScoringNumbers Of(ScoringPolicy policy) =>
        new(policy.AreaWeights, policy.ShrinkagePseudoOrders, policy.MinScoredOrders, policy.PriorAreaMean);

    /// <summary><paramref name="policy"/> with these numbers.</summary>
    public ScoringPolicy Apply(ScoringPolicy policy) => policy with
    {
        AreaWeights = AreaWeights,
        ShrinkagePseudoOrders = ShrinkagePseudoOrders,
        MinScoredOrders = MinScoredOrders,
        PriorAreaMean = PriorAreaMean,
    };

    public string ToJson() => JsonSerializer.Serialize(this);

    /// <summary>The numbers stored by <see cref="ToJson"/>; null for a missing or unreadable value.</summary>
    public static ScoringNumbers? FromJson(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<ScoringNumbers>(json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
