using FsCheck;
using FsCheck.Fluent;
using Marketplace.Messaging.Domain;
using Xunit;
using static Marketplace.Messaging.Tests.Scenario;
using Conversation = Marketplace.Messaging.Domain.Conversation;

namespace Marketplace.Messaging.Tests;

/// <summary>SPEC 3: response rate = buyer-opened conversations answered within 24 h, last 90 days.</summary>
public sealed class ResponseRateTests
{
    private static readonly DateTimeOffset Now = T0.AddDays(100);

    private static Conversation Opened(DateTimeOffset at, TimeSpan? replyAfter, string seller = "s-1")
    {
        var c = Accepted(Conversation.Start("conv", NextMessageId(), Buyer, seller, "", "hi, a question", [], at));
        return replyAfter is { } after ? Accepted(c.Send(Actor.Seller(seller), NextMessageId(), "answer", [], at + after)) : c;
    }

    [Fact]
    public void Spec3_rate_counts_buyer_opened_conversations_answered_within_24h_in_the_last_90_days()
    {
        var conversations = new[]
        {
            Opened(Now.AddDays(-10), TimeSpan.FromHours(2)),
            Opened(Now.AddDays(-20), TimeSpan.FromHours(24)),
            Opened(Now.AddDays(-30), TimeSpan.FromHours(25)),
            Opened(Now.AddDays(-40), null),
            Opened(Now.AddDays(-91), TimeSpan.FromHours(1)),
            Opened(Now.AddDays(-5), TimeSpan.FromHours(1), seller: "s-2"),
            Accepted(Conversation.Start("conv", NextMessageId(), Seller, "b-9", "", "hello buyer", [], Now.AddDays(-3))),
        };

        var stats = ResponseRate.Compute("s-1", conversations, Now, Policy);

        Assert.Equal(4, stats.BuyerOpenedConversations);
        Assert.Equal(2, stats.AnsweredWithinWindow);
        Assert.Equal(0.5, stats.ResponseRate);
        Assert.Equal(TimeSpan.FromHours(2 + 24 + 25) / 3, stats.MeanResponseTime.ToTimeSpan());
        Assert.Equal(Now.AddDays(-90), stats.WindowStart.ToDateTimeOffset());
    }

    [Fact]
    public void Spec3_a_fresh_unanswered_conversation_is_not_counted_yet()
    {
        var stats = ResponseRate.Compute("s-1", [Opened(Now.AddHours(-3), null)], Now, Policy);

        Assert.Equal(0, stats.BuyerOpenedConversations);
        Assert.False(stats.HasResponseRate);
        Assert.Null(stats.MeanResponseTime);
    }

    [Fact]
    public void Spec3_rate_is_the_answered_share_for_any_mix()
    {
        var gen = Gen.ListOf(Gen.Zip(Gen.Choose(2, 89), Gen.Choose(0, 60)), 30);

        Check.One(PropertyConfig.Fixed(200), Prop.ForAll(Arb.From(gen), cases =>
        {
            var conversations = cases.Select(c => Opened(Now.AddDays(-c.Item1), c.Item2 == 0 ? null : TimeSpan.FromHours(c.Item2))).ToList();
            var expectedAnswered = cases.Count(c => c.Item2 is > 0 and <= 24);

            var stats = ResponseRate.Compute("s-1", conversations, Now, Policy);

            Assert.Equal(cases.Count, stats.BuyerOpenedConversations);
            Assert.Equal(expectedAnswered, stats.AnsweredWithinWindow);
            Assert.Equal(cases.Count > 0, stats.HasResponseRate);
            if (cases.Count > 0)
            {
                Assert.Equal((double)expectedAnswered / cases.Count, stats.ResponseRate, 12);
            }
        }));
    }
}
