namespace Marketplace.Messaging.Domain;

/// <summary>
/// Operator-tunable messaging rules (SPEC 3), validated at start-up so a bad value fails fast
/// with the setting's name.
/// </summary>
/// <param name="UnresponsiveAfter">A waiting party is marked unresponsive after this (default 24 h).</param>
/// <param name="ResponseWindow">A buyer-opened conversation counts as answered when the seller replies within this (default 24 h).</param>
/// <param name="ResponseRatePeriod">Conversations started within this period count for the response rate (default 90 days).</param>
/// <param name="ReviewRequestMaxOrderAge">No review requests for orders completed longer ago (default 90 days).</param>
/// <param name="IncentiveTerms">Words that offer something in exchange for a review.</param>
/// <param name="RatingAskTerms">Phrases that ask for a particular rating.</param>
public sealed record MessagingPolicy(
    TimeSpan UnresponsiveAfter,
    TimeSpan ResponseWindow,
    TimeSpan ResponseRatePeriod,
    TimeSpan ReviewRequestMaxOrderAge,
    IReadOnlyList<string> IncentiveTerms,
    IReadOnlyList<string> RatingAskTerms)
{
    public static MessagingPolicy Default { get; } = new(
        TimeSpan.FromHours(24),
        TimeSpan.FromHours(24),
        TimeSpan.FromDays(90),
        TimeSpan.FromDays(90),
        ["discount", "coupon", "refund", "free", "bonus", "gift", "cashback", "tip", "in exchange", "in return", "extra revision", "% off"],
        ["5 star", "five star", "5-star", "five-star", "full star", "positive review", "good review", "good rating", "high rating",
            "top rating", "rate me", "rate us", "leave 5", "give 5", "perfect rating", "10/10", "5/5"]);

    /// <summary>Problems, each naming the setting; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        Positive(problems, nameof(UnresponsiveAfter), UnresponsiveAfter);
        Positive(problems, nameof(ResponseWindow), ResponseWindow);
        Positive(problems, nameof(ResponseRatePeriod), ResponseRatePeriod);
        Positive(problems, nameof(ReviewRequestMaxOrderAge), ReviewRequestMaxOrderAge);
        NoBlank(problems, nameof(IncentiveTerms), IncentiveTerms);
        NoBlank(problems, nameof(RatingAskTerms), RatingAskTerms);
        return problems;
    }

    private static void Positive(List<string> problems, string name, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            problems.Add($"{name} must be > 0 (was {value})");
        }
    }

    private static void NoBlank(List<string> problems, string name, IReadOnlyList<string> terms)
    {
        if (terms.Any(string.IsNullOrWhiteSpace))
        {
            problems.Add($"{name} must not contain blank terms");
        }
    }
}
