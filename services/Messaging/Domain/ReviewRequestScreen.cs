using System.Text.RegularExpressions;

namespace Marketplace.Messaging.Domain;

/// <summary>
/// SPEC 3: a review request must never offer anything in exchange or ask for a particular
/// rating. Terms match as whole words (case-insensitive, optional plural), so "free" flags
/// "for free" but not "freelancer".
/// </summary>
public sealed class ReviewRequestScreen
{
    private readonly Regex incentive;
    private readonly Regex ratingAsk;

    public ReviewRequestScreen(MessagingPolicy policy)
    {
        incentive = Build(policy.IncentiveTerms);
        ratingAsk = Build(policy.RatingAskTerms);
    }

    /// <summary>The rejection naming the broken rule and the offending words, or null when the text is fine.</summary>
    public Rejection? Check(string text)
    {
        var offer = incentive.Match(text);
        if (offer.Success)
        {
            return Rejection.InvalidArgument(
                $"text: a review request must not offer anything in exchange for a review (found '{offer.Value.Trim()}')");
        }

        var ask = ratingAsk.Match(text);
        return ask.Success
            ? Rejection.InvalidArgument($"text: a review request must not ask for a particular rating (found '{ask.Value.Trim()}')")
            : null;
    }

    private static Regex Build(IEnumerable<string> terms)
    {
        // Word boundaries only where the term starts or ends with a word character ("% off", "10/10").
        var alternatives = terms.Select(term =>
        {
            var escaped = Regex.Escape(term.Trim()).Replace("\\ ", "\\s+", StringComparison.Ordinal);
            var start = char.IsLetterOrDigit(term.Trim()[0]) ? "\\b" : "";
            var end = char.IsLetterOrDigit(term.Trim()[^1]) ? "s?\\b" : "";
            return start + escaped + end;
        });
        var pattern = string.Join("|", alternatives);
        return new Regex(pattern.Length == 0 ? "(?!)" : pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }
}
