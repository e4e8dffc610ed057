using System.Globalization;

namespace Marketplace.Scoring.Engine;

/// <summary>
/// Binds a <see cref="ScoringPolicy"/> from flat configuration pairs ("Scoring:HalfLifeDays" = "180",
/// "Scoring:PriceBandEdgesUsd:0" = "25", ...), as any configuration provider can list them, without a
/// dependency on Microsoft.Extensions.Configuration. Keys outside the "Scoring" section are ignored.
/// Unlike a reflection binder, a list given in configuration replaces the default list instead of
/// appending to it, and every unknown key or unreadable value is reported by its key.
/// </summary>
public static class ScoringPolicyBinder
{
    private const string Prefix = ScoringPolicy.Section + ":";

    /// <summary>The bound policy (defaults where not configured) and every binding and validation problem.</summary>
    public static (ScoringPolicy Policy, IReadOnlyList<string> Problems) Bind(IEnumerable<KeyValuePair<string, string?>> settings, ScoringPolicy? defaults = null)
    {
        var policy = defaults ?? ScoringPolicy.Default;
        var problems = new List<string>();
        var lists = new Dictionary<string, SortedDictionary<int, Dictionary<string, string>>>(StringComparer.OrdinalIgnoreCase);
        foreach (var (rawKey, value) in settings)
        {
            if (!rawKey.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) || value is null) continue;
            var key = rawKey[Prefix.Length..];
            try
            {
                if (ListItem(key) is var (list, index, field)) Item(lists, list, index, field, value);
                else policy = Scalar(policy, key.Split(':'), value) ?? Unknown(problems, rawKey, policy);
            }
            catch (Exception e) when (e is FormatException or OverflowException)
            {
                problems.Add($"{rawKey} has an unreadable value '{value}'");
            }
        }
        policy = ApplyLists(policy, lists, problems);
        problems.AddRange(policy.Validate());
        return (policy, problems);
    }

    private static readonly string[] ListNames = ["PriceBandEdgesUsd", "ValueWeightBands", "Cancellations:NotCounting"];

    /// <summary>"PriceBandEdgesUsd:0" → (list, 0, ""); "ValueWeightBands:1:Weight" → (list, 1, "Weight"); else null.</summary>
    private static (string List, int Index, string Field)? ListItem(string key)
    {
        foreach (var name in ListNames)
        {
            if (!key.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase)) continue;
            var rest = key[(name.Length + 1)..].Split(':');
            if (rest.Length > 2 || !int.TryParse(rest[0], NumberStyles.None, CultureInfo.InvariantCulture, out var index)) return null;
            return (name, index, rest.Length == 2 ? rest[1] : "");
        }
        return null;
    }

    private static void Item(Dictionary<string, SortedDictionary<int, Dictionary<string, string>>> lists, string list, int index, string field, string value)
    {
        if (!lists.TryGetValue(list, out var items)) lists[list] = items = [];
        if (!items.TryGetValue(index, out var fields)) items[index] = fields = new(StringComparer.OrdinalIgnoreCase);
        fields[field] = value;
    }

    private static ScoringPolicy Unknown(List<string> problems, string key, ScoringPolicy policy)
    {
        problems.Add($"{key} is not a known setting");
        return policy;
    }

    private static ScoringPolicy? Scalar(ScoringPolicy p, string[] k, string v)
    {
        if (k.Length == 1)
        {
            return k[0].ToLowerInvariant() switch
            {
                "halflifedays" => p with { HalfLifeDays = D(v) },
                "evaluationperioddays" => p with { EvaluationPeriodDays = I(v) },
                "landmarkepoch" => p with { LandmarkEpoch = DateTimeOffset.Parse(v, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal) },
                "landmarkstephalflives" => p with { LandmarkStepHalfLives = I(v) },
                "shrinkagepseudoorders" => p with { ShrinkagePseudoOrders = D(v) },
                "minscoredorders" => p with { MinScoredOrders = I(v) },
                "categorymingigs" => p with { CategoryMinGigs = I(v) },
                "priorareamean" => p with { PriorAreaMean = D(v) },
                "demotiongraceevaluations" => p with { DemotionGraceEvaluations = I(v) },
                "topratedretrymonths" => p with { TopRatedRetryMonths = I(v) },
                "ratingwindowdays" => p with { RatingWindowDays = I(v) },
                "lowperformanceflagatorbelow" => p with { LowPerformanceFlagAtOrBelow = D(v) },
                "lowperformanceclearatorabove" => p with { LowPerformanceClearAtOrAbove = D(v) },
                "lowperformanceminscoredorders" => p with { LowPerformanceMinScoredOrders = I(v) },
                _ => null,
            };
        }
        if (k.Length == 3 && Eq(k[0], "Cancellations") && Eq(k[1], "InitiatorWeights") && Enum.TryParse<CancellationInitiator>(k[2], true, out var initiator)
            && Enum.IsDefined(initiator))
        {
            var weights = new Dictionary<CancellationInitiator, double>(p.Cancellations.InitiatorWeights) { [initiator] = D(v) };
            return p with { Cancellations = p.Cancellations with { InitiatorWeights = weights } };
        }
        if (k.Length != 2) return null;
        if (Eq(k[0], "AreaWeights") && Enum.TryParse<Area>(k[1], true, out var area))
        {
            var w = p.AreaWeights;
            var x = D(v);
            return p with
            {
                AreaWeights = area switch
                {
                    Area.Satisfaction => w with { Satisfaction = x },
                    Area.Communication => w with { Communication = x },
                    Area.ConflictFree => w with { ConflictFree = x },
                    Area.Cancellations => w with { Cancellations = x },
                    Area.OnTimeDelivery => w with { OnTimeDelivery = x },
                    _ => w with { ValueForMoney = x },
                },
            };
        }
        if (Eq(k[0], "AreaInputs"))
        {
            var a = p.AreaInputs;
            AreaInputWeights? bound = k[1].ToLowerInvariant() switch
            {
                "satisfactionoverallrating" => a with { SatisfactionOverallRating = D(v) },
                "satisfactionprivaterating" => a with { SatisfactionPrivateRating = D(v) },
                "satisfactionnonegativeevents" => a with { SatisfactionNoNegativeEvents = D(v) },
                "communicationrating" => a with { CommunicationRating = D(v) },
                "communicationresponsiveness" => a with { CommunicationResponsiveness = D(v) },
                "valuerating" => a with { ValueRating = D(v) },
                "valuewouldrecommend" => a with { ValueWouldRecommend = D(v) },
                "fastresponsehours" => a with { FastResponseHours = D(v) },
                "slowresponsehours" => a with { SlowResponseHours = D(v) },
                "latezerocreditfraction" => a with { LateZeroCreditFraction = D(v) },
                _ => null,
            };
            return bound is null ? null : p with { AreaInputs = bound };
        }
        if (Eq(k[0], "Level1")) return Level(p.Level1, k[1], v) is { } l1 ? p with { Level1 = l1 } : null;
        if (Eq(k[0], "Level2")) return Level(p.Level2, k[1], v) is { } l2 ? p with { Level2 = l2 } : null;
        if (Eq(k[0], "TopRated")) return Level(p.TopRated, k[1], v) is { } tr ? p with { TopRated = tr } : null;
        return null;
    }

    private static LevelCriteria? Level(LevelCriteria c, string field, string v) => field.ToLowerInvariant() switch
    {
        "minsuccessscore" => c with { MinSuccessScore = D(v) },
        "minrating" => c with { MinRating = D(v) },
        "minresponserate" => c with { MinResponseRate = D(v) },
        "mincompletedorders" => c with { MinCompletedOrders = I(v) },
        "minuniqueclients" => c with { MinUniqueClients = I(v) },
        "minearningsusd" => c with { MinEarningsUsd = M(v) },
        _ => null,
    };

    private static ScoringPolicy ApplyLists(ScoringPolicy p, Dictionary<string, SortedDictionary<int, Dictionary<string, string>>> lists, List<string> problems)
    {
        foreach (var (name, items) in lists)
        {
            var key = Prefix + name;
            try
            {
                if (Eq(name, "PriceBandEdgesUsd"))
                    p = p with { PriceBandEdgesUsd = [.. items.Values.Select(f => M(Field(f, "", key)))] };
                else if (Eq(name, "ValueWeightBands"))
                    p = p with { ValueWeightBands = [.. items.Values.Select(f => new ValueWeightBand(M(Field(f, "FromUsd", key)), D(Field(f, "Weight", key))))] };
                else
                    p = p with { Cancellations = p.Cancellations with { NotCounting = items.Values.Select(f => Reason(Field(f, "", key), key)).ToHashSet() } };
            }
            catch (Exception e) when (e is FormatException or OverflowException)
            {
                problems.Add(e.Message);
            }
        }
        return p;
    }

    private static string Field(Dictionary<string, string> fields, string field, string key) =>
        fields.TryGetValue(field, out var v) ? v : throw new FormatException($"{key} needs {(field.Length == 0 ? "a value" : field)} for every item");

    private static CancellationReason Reason(string v, string key) =>
        Enum.TryParse<CancellationReason>(v, true, out var r) && Enum.IsDefined(r) ? r : throw new FormatException($"{key} has an unknown reason '{v}'");

    private static double D(string v) => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static int I(string v) => int.Parse(v, NumberStyles.Integer, CultureInfo.InvariantCulture);

    private static decimal M(string v) => decimal.Parse(v, NumberStyles.Number, CultureInfo.InvariantCulture);

    private static bool Eq(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
