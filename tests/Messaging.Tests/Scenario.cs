using Marketplace.Contracts.Common.V1;
using Marketplace.Messaging.Domain;
using Xunit;

namespace Marketplace.Messaging.Tests;

/// <summary>Conversations built through real commands, and decision assertions.</summary>
internal static class Scenario
{
    public static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    public static readonly Actor Buyer = Actor.Buyer("b-1");
    public static readonly Actor Seller = Actor.Seller("s-1");
    public static readonly MessagingPolicy Policy = MessagingPolicy.Default;
    public static readonly ReviewRequestScreen Screen = new(ScreenTerms.Defaults);

    private static int messageIds;

    public static string NextMessageId() => $"msg-{Interlocked.Increment(ref messageIds)}";

    /// <summary>A buyer opens an order conversation at T0.</summary>
    public static Conversation BuyerOpened(string orderId = "ord-1", DateTimeOffset? at = null) =>
        Accepted(Conversation.Start("conv-1", NextMessageId(), Buyer, "s-1", orderId, "Can you add a logo variant?", [], at ?? T0));

    /// <summary>The seller opens an order conversation at T0, by default while the order runs before its delivery.</summary>
    /// <summary>
    /// The seller opens the order's conversation asking for something the order needs (<c>needs_buyer_input</c>),
    /// as a seller can only while it runs: <paramref name="asks"/> defaults to that.
    /// </summary>
    public static Conversation SellerOpened(string orderId = "ord-1", bool orderRunning = true, bool? asks = null) =>
        Accepted(Conversation.Start("conv-1", NextMessageId(), Seller, "b-1", orderId, "Please send the brand colours.", [], T0, orderRunning,
            needsBuyerInput: asks ?? (orderRunning && orderId.Length > 0)));

    /// <summary>
    /// A message; the seller's asks for the buyer's input (<c>needs_buyer_input</c>) whenever it can
    /// (an order's conversation, the order running), unless <paramref name="asks"/> says otherwise.
    /// </summary>
    public static Decision<Conversation> Say(Conversation c, Actor caller, DateTimeOffset at, string text = "hello there", bool orderRunning = true, bool? asks = null) =>
        c.Send(caller, NextMessageId(), text, [], at, orderRunning,
            needsBuyerInput: asks ?? (caller.Role == PartyRole.Seller && orderRunning && c.IsAboutOrder));

    public static T Accepted<T>(Decision<T> decision)
        where T : class
    {
        Assert.True(decision.IsAccepted, decision.Rejection?.Message);
        return decision.State!;
    }

    public static Rejection Rejected<T>(Decision<T> decision, RejectionKind kind)
        where T : class
    {
        Assert.False(decision.IsAccepted, "expected a rejection");
        Assert.Empty(decision.Events);
        Assert.Null(decision.State);
        Assert.Equal(kind, decision.Rejection!.Kind);
        return decision.Rejection;
    }
}
