using Google.Protobuf;
using Marketplace.Contracts.Messaging.V1;
using Marketplace.EventBus;
using Marketplace.Platform;
using Marketplace.Scoring.Store;
using Microsoft.Extensions.Logging;

namespace Marketplace.Scoring.Events;

/// <summary>
/// Any messaging event with a conversation snapshot: a conversation tied to an order feeds that
/// order's communication facts (seller response times, seller-unresponsive marks) and the time the
/// seller waited on an unresponsive buyer, which is kept out of the order's lateness (SPEC 3, 5.1).
/// A buyer-unresponsive mark takes nothing else out of the score. Keeps the conversation snapshot
/// with the highest version. (The response rate is Messaging's: <see cref="ResponseStatsHandler"/>.)
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

        if (conversation.OrderId.Length == 0)
        {
            logger.LogDebug("Event {EventId}: conversation {ConversationId} is tied to no order; nothing to score", envelope.Id, conversation.ConversationId);
            return;
        }

        var change = await ChangeOrderAsync(work, projection, conversation.OrderId,
            record => record.ConversationVersion >= conversation.Version ? null : record.WithConversation(conversation));
        if (change is not var (_, _, rescored))
        {
            logger.LogDebug("Event {EventId}: conversation {ConversationId} v{Version} is not newer; ignored", envelope.Id, conversation.ConversationId, conversation.Version);
            return;
        }

        // Its facts enter the score once the order's outcome counts; the response rate comes with Messaging's own reports.
        SellerStore.StageEventOf(work, conversation.SellerId, reevaluate: rescored);
    }
}
