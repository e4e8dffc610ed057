using Google.Protobuf;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Messaging.V1;
using Marketplace.EventBus;
using Marketplace.Platform;
using Marketplace.Scoring.Store;
using Microsoft.Extensions.Logging;

namespace Marketplace.Scoring.Events;

/// <summary>
/// Any messaging event: a buyer-opened conversation feeds the seller's response rate (level
/// metric); a conversation tied to an order feeds that order's communication facts (seller
/// response times, unresponsive marks) and the buyer-unresponsive exclusion (SPEC 3, 5.1).
/// Each keeps the conversation snapshot with the highest version.
/// </summary>
public sealed class ConversationHandler(GigProjection projection, ILogger<ConversationHandler> logger)
    : SnapshotHandler<Conversation>(PlatformEvents.Topics.Messaging, "conversation")
{
    protected override async Task HandleAsync(CloudEvent envelope, Conversation conversation, UnitOfWork work, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(conversation.ConversationId) || string.IsNullOrEmpty(conversation.SellerId))
        {
            throw new MalformedEventException($"{envelope.Type} event {envelope.Id}: the conversation snapshot lacks conversation_id or seller_id");
        }

        bool changed = false;
        if (conversation.OpenedBy == PartyRole.Buyer && conversation.StartedAt is not null)
        {
            var key = ScoringKeys.SellerConversations(conversation.SellerId);
            var stored = await work.ReadHashFieldAsync(key, conversation.ConversationId);
            if (stored.IsNull || BuyerConversation.Parse(stored!).Version < conversation.Version)
            {
                var facts = new BuyerConversation(conversation.Version, Ms(conversation.StartedAt), conversation.FirstSellerReplyAt is { } reply ? Ms(reply) : null);
                work.HashSet(key, conversation.ConversationId, facts.ToString());
                changed = true;
            }
        }

        if (conversation.OrderId.Length > 0)
        {
            changed |= await ChangeOrderAsync(work, projection, conversation.OrderId,
                record => record.ConversationVersion >= conversation.Version ? null : record.WithConversation(conversation)) is not null;
        }

        if (changed)
        {
            SellerStore.StageDirty(work, conversation.SellerId);
        }
        else
        {
            logger.LogDebug("Event {EventId}: conversation {ConversationId} v{Version} is not newer; ignored", envelope.Id, conversation.ConversationId, conversation.Version);
        }
    }

    private static long Ms(Google.Protobuf.WellKnownTypes.Timestamp t) => t.Seconds * 1000 + t.Nanos / 1_000_000;
}
