using Google.Protobuf;
using Grpc.Core;
using Marketplace.EventBus;
using Marketplace.Hosting.Identity;
using Marketplace.Platform;
using Marketplace.Reviews.Domain;
using Marketplace.Reviews.Store;

namespace Marketplace.Reviews.Api;

/// <summary>
/// What a review command sees: its unit of work, the authenticated caller and the party it acts
/// as on this order (<see cref="ActingParty"/>), the order, its review record (null when nothing
/// was written yet), its review window (null when none opened) and the time.
/// </summary>
public sealed record ReviewCommand(
    UnitOfWork Work, Caller Caller, Actor Actor, ReviewableOrder Order, ReviewRecord? Record, ReviewWindow? Window, DateTimeOffset Now);

/// <summary>
/// Runs one state-changing review command the same way for every RPC, through the platform's
/// <see cref="IdempotentCommands"/>: in one unit of work keyed by the caller and request id, it
/// reads the order, its review record and window, decides the acting party, lets the domain
/// decide, and commits the record, its events, the Gig index, the publication schedule and what
/// the change means for the order's review window (<see cref="ReviewWindow.Follow"/>: closed by
/// the buyer's review or support's revocation, announced in the same commit) with the response.
/// A refused command throws before anything is staged, so it changes nothing; a repeated request
/// returns the stored response, and a request id reused for a different request is ALREADY_EXISTS.
/// </summary>
public sealed class ReviewCommands(IdempotentCommands commands, TimeProvider clock)
{
    /// <summary>A decision on the record, and how to answer the caller once it is committed.</summary>
    public delegate Task<(Decision<ReviewRecord> Decision, Func<ReviewRecord, TResponse> Respond)> Decide<TResponse>(ReviewCommand command);

    public Task<TResponse> RunAsync<TResponse>(
        ServerCallContext context,
        string requestId,
        string orderId,
        IMessage request,
        MessageParser<TResponse> parser,
        Decide<TResponse> decide)
        where TResponse : IMessage<TResponse>
    {
        RequestFields.Id("order_id", orderId);
        return commands.RunAsync(context, requestId, request, parser, async (work, caller) =>
        {
            var (order, record) = await ReviewStore.ReadAsync(work, orderId);
            if (order is null)
            {
                throw (await UnknownAsync(work, caller, orderId, decide)).ToException();
            }

            var window = await ReviewStore.ReadWindowAsync(work, orderId);
            var actor = ActingParty.On(caller, order.BuyerId, order.SellerId);
            var now = clock.GetUtcNow();
            var (decision, respond) = await decide(new ReviewCommand(work, caller, actor, order, record, window, now));
            var next = decision.OrThrow();
            ReviewStore.Write(work, next, decision.Events);
            foreach (var change in ReviewWindow.Follow(order, window, record, next, now))
            {
                ReviewStore.WriteWindow(work, change);
            }

            return respond(next);
        });
    }

    /// <summary>
    /// The refusal of a command on an order Reviews does not know, permission first (issue 16): the
    /// command is put to the domain on an order nobody is a party of (<see cref="ReviewableOrder.OfNobody"/>),
    /// with nothing written yet. Where it is refused there (every buyer and seller; support where the
    /// command is not support's) that PERMISSION_DENIED is the answer, in the words a non-party of a
    /// real order gets; a caller it lets through learns that Reviews does not know the order.
    /// </summary>
    private async Task<Rejection> UnknownAsync<TResponse>(UnitOfWork work, Caller caller, string orderId, Decide<TResponse> decide)
    {
        var nobodys = ReviewableOrder.OfNobody(orderId);
        var actor = ActingParty.On(caller, nobodys.BuyerId, nobodys.SellerId);
        var (decision, _) = await decide(new ReviewCommand(work, caller, actor, nobodys, null, null, clock.GetUtcNow()));
        return decision.Rejection is { Kind: RejectionKind.PermissionDenied } refused ? refused : UnknownOrder(orderId);
    }

    /// <summary>A command whose answer is the record as this caller may see it.</summary>
    public static Task<(Decision<ReviewRecord> Decision, Func<ReviewRecord, Contracts.Reviews.V1.Review> Respond)> Viewed(
        ReviewCommand command, Decision<ReviewRecord> decision) =>
        Task.FromResult<(Decision<ReviewRecord>, Func<ReviewRecord, Contracts.Reviews.V1.Review>)>(
            (decision, next => ReviewSnapshot.ForCaller(next, command.Actor)));

    /// <summary>
    /// An order no event has told Reviews about yet, to a caller the permission rules let through
    /// (support, internal; a client retries once the order's events arrived).
    /// </summary>
    public static Rejection UnknownOrder(string orderId) =>
        Rejection.NotFound($"order {RequestFields.Shown(orderId)} is not known to Reviews (no event of this order has been received yet)");
}
