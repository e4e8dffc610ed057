using System.Globalization;
using Marketplace.Contracts.Reviews.V1;

namespace Marketplace.Reviews.Domain;

/// <summary>
/// The buyer's ratings (SPEC 4): overall and three sub-ratings 1-5, would-recommend, and the
/// private 0-10 satisfaction rating that feeds scoring only. The private rating is optional: a
/// buyer who gives none has none (null, never 0), and scoring uses what the buyer did give (SPEC 5.1).
/// </summary>
public sealed record Ratings(int Overall, int Communication, int Quality, int ValueForMoney, bool WouldRecommend, int? PrivateRating)
{
    /// <summary>Minimum length of review texts, in characters as a reader counts them.</summary>
    public const int MinTextLength = 10;

    public static Rejection? Validate(BuyerRatings? ratings)
    {
        if (ratings is null)
        {
            return Rejection.InvalidArgument("ratings is required");
        }

        return Stars("ratings.overall", ratings.Overall)
            ?? Stars("ratings.communication", ratings.Communication)
            ?? Stars("ratings.quality", ratings.Quality)
            ?? Stars("ratings.value_for_money", ratings.ValueForMoney)
            ?? (ratings.HasPrivateRating && ratings.PrivateRating is < 0 or > 10
                ? Rejection.InvalidArgument($"ratings.private_rating must be 0-10 (was {ratings.PrivateRating})")
                : null);
    }

    /// <summary>A 1-5 star value.</summary>
    public static Rejection? Stars(string field, int value) =>
        value is < 1 or > 5 ? Rejection.InvalidArgument($"{field} must be 1-5 (was {value})") : null;

    /// <summary>Review text of at least <see cref="MinTextLength"/> characters, not counting surrounding blanks.</summary>
    public static Rejection? Text(string field, string? text)
    {
        var length = new StringInfo((text ?? "").Trim()).LengthInTextElements;
        return length < MinTextLength
            ? Rejection.InvalidArgument($"{field} must have at least {MinTextLength} characters (had {length})")
            : null;
    }

    public static Ratings FromMessage(BuyerRatings r) =>
        new(r.Overall, r.Communication, r.Quality, r.ValueForMoney, r.WouldRecommend, r.HasPrivateRating ? r.PrivateRating : null);

    /// <summary>The ratings as the contract carries them: <c>private_rating</c> present only when the buyer gave one.</summary>
    public BuyerRatings ToMessage()
    {
        var message = new BuyerRatings
        {
            Overall = Overall,
            Communication = Communication,
            Quality = Quality,
            ValueForMoney = ValueForMoney,
            WouldRecommend = WouldRecommend,
        };
        if (PrivateRating is { } given)
        {
            message.PrivateRating = given;
        }

        return message;
    }
}
