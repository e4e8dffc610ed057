using FsCheck;
using FsCheck.Fluent;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Messaging.V1;
using Marketplace.Messaging.Domain;
using Marketplace.Messaging.Store;
using Xunit;
using static Marketplace.Messaging.Tests.Scenario;

namespace Marketplace.Messaging.Tests;

/// <summary>
/// SPEC 3 over random exchanges: every seller answer is timed from the first buyer message it
/// answers, and the conversation's totals are the sum of the published response times.
/// </summary>
public sealed class ResponseTimePropertyTests
{
    [Fact]
    public void Spec3_response_times_sum_over_any_exchange()
    {
        // Each step: who speaks (even = buyer, odd = seller) and minutes since the previous message.
        var gen = Gen.ListOf(Gen.Zip(Gen.Choose(0, 1), Gen.Choose(1, 3000)), 25);

        Check.One(PropertyConfig.Fixed(300), Prop.ForAll(Arb.From(gen), steps =>
        {
            var c = BuyerOpened();
            var now = T0;
            DateTimeOffset? firstUnanswered = T0;
            var expectedTotal = TimeSpan.Zero;
            var expectedReplies = 0;
            var published = TimeSpan.Zero;
            foreach (var (who, minutes) in steps)
            {
                now = now.AddMinutes(minutes);
                var caller = who == 0 ? Buyer : Seller;
                var decision = c.Send(caller, NextMessageId(), "message text", [], now);
                c = decision.State!;
                var sent = (MessageSent)decision.Events.Single();
                if (caller.Role == PartyRole.Buyer)
                {
                    firstUnanswered ??= now;
                }
                else if (firstUnanswered is { } since)
                {
                    expectedTotal += now - since;
                    expectedReplies++;
                    Assert.Equal(now - since, sent.SellerResponseTime.ToTimeSpan());
                    firstUnanswered = null;
                }
                else
                {
                    Assert.Null(sent.SellerResponseTime);
                }

                published += sent.SellerResponseTime?.ToTimeSpan() ?? TimeSpan.Zero;
                Assert.Equal(c, ConversationFields.FromFields(ConversationFields.ToFields(c).Fields));
            }

            Assert.Equal(expectedReplies, c.SellerReplyCount);
            Assert.Equal(expectedTotal, c.TotalSellerResponseTime);
            Assert.Equal(published, c.TotalSellerResponseTime);
            Assert.Equal(steps.Count + 1, c.MessageCount);
            Assert.Equal(steps.Count + 1, c.Version);
        }));
    }
}
