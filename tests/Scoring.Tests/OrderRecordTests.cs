using Google.Protobuf.WellKnownTypes;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.Hosting;
using Marketplace.Scoring.Engine;
using Marketplace.Scoring.Store;
using Microsoft.Extensions.Configuration;
using Xunit;
using Proto = Marketplace.Contracts.Orders.V1;

namespace Marketplace.Scoring.Tests;

/// <summary>Pure units of the service: how Orders' facts map to the engine's, the record's round trip, the settings.</summary>
public sealed class OrderRecordTests
{
    private static readonly ScoringOptions Options = ScoringOptions.Read(new ConfigurationBuilder().Build());

    [Fact]
    public void Every_cancellation_reason_of_orders_maps_to_its_own_engine_reason()
    {
        var reasons = System.Enum.GetValues<Proto.CancellationReason>()
            .Where(r => r is not (Proto.CancellationReason.Unspecified or Proto.CancellationReason.Other))
            .ToList();
        var mapped = reasons.Select(OrderRecord.Reason).ToList();
        Assert.Equal(mapped.Count, mapped.Distinct().Count());
        Assert.DoesNotContain(Engine.CancellationReason.Other, mapped);
    }

    [Fact]
    public void The_reasons_that_do_not_count_against_the_seller_are_those_of_SPEC_2()
    {
        // SPEC 2: buyer unresponsive, placed by mistake / duplicate, missing requirements, support in the
        // seller's favour and fraud chargebacks do not count.
        var notCounting = System.Enum.GetValues<Proto.CancellationReason>()
            .Where(r => !Options.Policy.Cancellations.Counts(new CancellationFacts(DateTimeOffset.UnixEpoch, Engine.CancellationInitiator.Seller, OrderRecord.Reason(r))))
            .Order();
        Assert.Equal(
            [
                Proto.CancellationReason.BuyerUnresponsive, Proto.CancellationReason.PlacedByMistake, Proto.CancellationReason.DuplicateOrder,
                Proto.CancellationReason.MissingRequirements, Proto.CancellationReason.SupportInSellersFavour, Proto.CancellationReason.ChargebackFraud,
            ],
            notCounting);
    }

    [Fact]
    public void A_record_reads_back_from_its_hash_as_it_was_written()
    {
        var order = new TestOrder
        {
            OrderId = "o-1", GigId = "g-1", SellerId = "s-1", CreatedAt = new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero).AddTicks(1234567),
            DeliveredAfter = TimeSpan.FromDays(9), Disputes = 2,
            Review = new TestReview(4, 3, 5, 2, false, 6, new DateTimeOffset(2026, 3, 15, 0, 0, 0, TimeSpan.Zero)),
        };
        var snapshot = order.Snapshot(7, OrderState.Completed);
        var record = OrderRecord.Empty
            .WithOrder(snapshot)
            .WithReview(new Review { OrderId = "o-1", Version = 2, Status = ReviewStatus.Published, PublishedAt = Timestamp.FromDateTimeOffset(order.Review.PublishedAt), Ratings = new BuyerRatings { Overall = 4, Communication = 3, Quality = 5, ValueForMoney = 2, PrivateRating = 6 } });
        var fields = record.ToHash().ToDictionary(e => e.Key, e => e.Value);
        var back = OrderRecord.FromHash(fields);

        Assert.Equal(record.ToFacts("o-1", Options.ToUsd), back.ToFacts("o-1", Options.ToUsd));
        Assert.Equal(order.Facts(), back.ToFacts("o-1", Options.ToUsd));
        Assert.Equal(7, back.OrderVersion);
        Assert.Equal(2, back.ReviewVersion);
    }

    [Fact]
    public void Revisions_and_partial_refunds_are_not_penalties()
    {
        // SPEC 5.1: revisions, extensions and partial refunds count only through what the buyer says.
        var order = new TestOrder { OrderId = "o-2", GigId = "g-1", SellerId = "s-1", CreatedAt = new DateTimeOffset(2026, 4, 1, 0, 0, 0, TimeSpan.Zero), DeliveredAfter = TimeSpan.FromDays(5) };
        var plain = order.Snapshot(4, OrderState.Completed);
        var revised = plain.Clone();
        revised.RevisionCount = 3;
        revised.RevisionsBeyondIncluded = 2;
        revised.RevisionsDeclined = 1;
        revised.DeliveryCount = 4;
        revised.Refunded = new Money { CurrencyCode = "USD", AmountMinor = 5_000 };

        Assert.Equal(OrderRecord.Empty.WithOrder(plain).ToFacts("o-2", Options.ToUsd), OrderRecord.Empty.WithOrder(revised).ToFacts("o-2", Options.ToUsd));
    }

    [Fact]
    public void An_amount_is_converted_with_the_configured_rate_and_minor_digits()
    {
        var options = ScoringOptions.Read(Settings(("ScoringService:Currencies:JPY:UsdPerUnit", "0.0067"), ("ScoringService:Currencies:JPY:MinorDigits", "0")));
        Assert.Equal(67m, options.ToUsd("JPY", 10_000));
        Assert.Equal(25.5m, options.ToUsd("USD", 2550));
        Assert.Null(options.ToUsd("EUR", 100));
    }

    [Theory]
    [InlineData("ScoringService:EvaluationIntervalMinutes", "0", "ScoringService:EvaluationIntervalMinutes must be a whole number")]
    [InlineData("ScoringService:Currencies:eur:UsdPerUnit", "1.1", "ScoringService:Currencies:eur: the currency must be an ISO 4217 code")]
    [InlineData("ScoringService:Currencies:EUR:UsdPerUnit", "-1", "ScoringService:Currencies:EUR:UsdPerUnit must be a number > 0")]
    [InlineData("Scoring:HalfLifeDays", "0", "Scoring:HalfLifeDays must be > 0")]
    [InlineData("Scoring:NoSuchSetting", "1", "Scoring:NoSuchSetting")]
    public void A_bad_setting_stops_the_service_naming_the_key(string key, string value, string message)
    {
        var e = Assert.Throws<InvalidConfigurationException>(() => ScoringOptions.Read(Settings((key, value))));
        Assert.Contains(e.Problems, p => p.Contains(message, StringComparison.Ordinal));
    }

    private static IConfiguration Settings(params (string Key, string Value)[] pairs) =>
        new ConfigurationBuilder().AddInMemoryCollection(pairs.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value))).Build();
}
