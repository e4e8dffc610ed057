using FsCheck;
using FsCheck.Fluent;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.Reviews.Domain;
using Xunit;
using static Marketplace.Reviews.Tests.Scenario;

namespace Marketplace.Reviews.Tests;

/// <summary>SPEC 4 and 7 over many generated inputs: ranges and windows decide exactly.</summary>
public sealed class ReviewPropertyTests
{
    private static Config Config => PropertyConfig.Fixed(500);

    [Fact]
    public void Spec4_a_review_is_accepted_exactly_when_every_rating_is_in_range()
    {
        var gen =
            from overall in Gen.Choose(-2, 8)
            from communication in Gen.Choose(-2, 8)
            from quality in Gen.Choose(-2, 8)
            from value in Gen.Choose(-2, 8)
            from privateRating in Gen.Choose(-3, 13)
            from givesPrivateRating in Gen.Elements(true, false)
            select Rated(overall, communication, quality, value, givesPrivateRating ? privateRating : null);

        Check.One(Config, Prop.ForAll(Arb.From(gen), ratings =>
        {
            var decision = ReviewRecord.SubmitBuyerReview(null, Completed(), Regular, Buyer, ratings, Text, T0.AddDays(7), Policy);
            var inRange = new[] { ratings.Overall, ratings.Communication, ratings.Quality, ratings.ValueForMoney }.All(r => r is >= 1 and <= 5)
                && (!ratings.HasPrivateRating || ratings.PrivateRating is >= 0 and <= 10);

            Assert.Equal(inRange, decision.IsAccepted);
            if (!inRange)
            {
                Assert.Equal(RejectionKind.InvalidArgument, decision.Rejection!.Kind);
                Assert.StartsWith("ratings.", decision.Rejection.Message);
                Assert.Empty(decision.Events);
            }
            else
            {
                Assert.Equal(ratings.HasPrivateRating ? ratings.PrivateRating : null, decision.State!.BuyerReview!.Ratings.PrivateRating);
            }
        }));
    }

    private static BuyerRatings Rated(int overall, int communication, int quality, int value, int? privateRating)
    {
        var ratings = new BuyerRatings { Overall = overall, Communication = communication, Quality = quality, ValueForMoney = value };
        if (privateRating is { } given)
        {
            ratings.PrivateRating = given;
        }

        return ratings;
    }

    [Fact]
    public void Spec4_a_review_is_accepted_exactly_within_the_window_and_published_exactly_when_it_ends()
    {
        Check.One(Config, Prop.ForAll(Arb.From(Gen.Choose(0, 40 * 24)), hoursAfterCompletion =>
        {
            var completedAt = Completed().CompletedAt!.Value;
            var at = completedAt.AddHours(hoursAfterCompletion);
            var decision = Submit(Completed(), at);

            Assert.Equal(hoursAfterCompletion <= 14 * 24, decision.IsAccepted);
            if (decision.IsAccepted)
            {
                var record = decision.State!;
                Assert.Empty(record.OnTimer(completedAt.AddDays(14).AddTicks(-1)).Events);
                Assert.Single(record.OnTimer(completedAt.AddDays(14)).Events);
            }
        }));
    }
}
