using FsCheck;
using FsCheck.Fluent;

namespace Marketplace.Scoring.Engine.Tests;

/// <summary>FsCheck generators of order facts covering every input of SPEC 5.1.</summary>
internal static class Generators
{
    private static readonly DateTimeOffset Start = new(2024, 6, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly CancellationInitiator[] Initiators = Enum.GetValues<CancellationInitiator>();
    private static readonly CancellationReason[] Reasons = Enum.GetValues<CancellationReason>();

    private static Gen<T?> OrNone<T>(Gen<T> gen, int noneWeight = 1, int someWeight = 2) where T : struct =>
        Gen.Frequency((noneWeight, Gen.Constant<T?>(null)), (someWeight, gen.Select(v => (T?)v)));

    private static Gen<bool> Chance(int inTen) => Gen.Choose(0, 9).Select(x => x < inTen);

    private static readonly Gen<ReviewFacts?> Review =
        Gen.Frequency(
            (1, Gen.Constant<ReviewFacts?>(null)),
            (2, from o in Gen.Choose(1, 5)
                from c in Gen.Choose(1, 5)
                from q in Gen.Choose(1, 5)
                from v in Gen.Choose(1, 5)
                from r in Chance(6)
                select (ReviewFacts?)new ReviewFacts(o, c, q, v, r)));

    /// <summary>A final (completed or cancelled) order created within the first <paramref name="maxDay"/> days.</summary>
    public static Gen<OrderFacts> Order(string id, string gig, int maxDay) =>
        from startHour in Gen.Choose(0, maxDay * 24)
        from durationHours in Gen.Choose(24, 240)
        from deliveryOffsetHours in Gen.Choose(-20, 150)
        from delivered in Chance(9)
        from cancelled in Chance(3)
        from initiator in Gen.Elements(Initiators)
        from reason in Gen.Elements(Reasons)
        from amount in Gen.Elements(10m, 100m, 300m, 1500m)
        from review in Review
        from privateRating in OrNone(Gen.Choose(0, 10))
        from dispute in Chance(2)
        from escalated in Chance(1)
        from sellerUnresponsive in Chance(2)
        from responseHours in OrNone(Gen.Choose(0, 48).Select(h => (double)h))
        from waitHours in Gen.Frequency((7, Gen.Constant(0)), (3, Gen.Choose(1, 96)))
        select Build(id, gig, startHour, durationHours, deliveryOffsetHours, delivered, cancelled, initiator, reason, amount,
            review, privateRating, dispute, escalated, sellerUnresponsive, responseHours, waitHours);

    /// <summary><paramref name="count"/> orders with ids o0.. on one Gig.</summary>
    public static Gen<OrderFacts[]> Orders(int count, int maxDay, string gig = "g") =>
        Gen.CollectToArray(Enumerable.Range(0, count).Select(i => Order($"o{i}", gig, maxDay)));

    /// <summary>Between <paramref name="min"/> and <paramref name="max"/> orders.</summary>
    public static Gen<OrderFacts[]> SomeOrders(int min, int max, int maxDay, string gig = "g") =>
        Gen.Choose(min, max).SelectMany(n => Orders(n, maxDay, gig));

    /// <summary>Peer means anywhere in [0,1].</summary>
    public static readonly Gen<PeerMeans> Peers =
        Gen.CollectToArray(Enumerable.Range(0, Areas.Count).Select(_ => Gen.Choose(0, 1000).Select(x => x / 1000.0)))
            .Select(xs => new PeerMeans(xs));

    private static OrderFacts Build(string id, string gig, int startHour, int durationHours, int deliveryOffsetHours, bool delivered,
        bool cancelled, CancellationInitiator initiator, CancellationReason reason, decimal amount, ReviewFacts? review, int? privateRating,
        bool dispute, bool escalated, bool sellerUnresponsive, double? responseHours, int waitHours)
    {
        var created = Start.AddHours(startHour);
        var due = created.AddHours(durationHours);
        DateTimeOffset? delivery = delivered ? Max(created, due.AddHours(deliveryOffsetHours)) : null;
        var end = Max(delivery ?? due, created).AddHours(30);
        return new OrderFacts
        {
            OrderId = id,
            GigId = gig,
            AmountUsd = amount,
            CreatedAt = created,
            DueAt = due,
            FirstDeliveryAt = delivery,
            CompletedAt = cancelled ? null : end,
            Cancellation = cancelled ? new CancellationFacts(end, initiator, reason) : null,
            Review = review,
            PrivateRating = privateRating,
            DisputeOpened = dispute,
            EscalatedToSupport = escalated,
            SellerUnresponsive = sellerUnresponsive,
            SellerResponseHours = responseHours,
            BuyerUnresponsiveWait = TimeSpan.FromHours(waitHours),
        };
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
