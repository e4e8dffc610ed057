using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Marketplace.Contracts.Scoring.V1;
using Marketplace.Domain;
using Marketplace.Hosting.Identity;
using Marketplace.Platform;
using Marketplace.Platform.Grpc;
using Marketplace.Scoring.Background;
using Marketplace.Scoring.Engine;
using Marketplace.Scoring.Evaluation;
using Marketplace.Scoring.Store;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using GigScore = Marketplace.Contracts.Scoring.V1.GigScore;
using ProtoSellerLevel = Marketplace.Contracts.Scoring.V1.SellerLevel;
using ProtoSellerScore = Marketplace.Contracts.Scoring.V1.SellerScore;

namespace Marketplace.Scoring.Api;

/// <summary>
/// marketplace.scoring.v1.ScoringService. Every RPC needs an authenticated caller, and the
/// evaluations and Top Rated decisions a privileged one (authorization runs before the method:
/// UNAUTHENTICATED / PERMISSION_DENIED). Scores are computed when asked, from the Gigs' aggregates
/// and their peer groups' rankings in Redis, each answer from one consistent read
/// (<see cref="ScoreReads"/>: one round trip for score and level reads); who sees what follows
/// SPEC 5.6 (scores, breakdowns and what-if for the seller and privileged callers, levels for
/// everyone), checked before whether the Gig or seller exists. The commands run through
/// <see cref="IdempotentCommands"/>. Refusals are thrown as rejections and become statuses in the
/// platform's interceptor.
/// </summary>
[Authorize]
public sealed partial class ScoringApi(
    IdempotentCommands commands,
    SellerStore sellers,
    ScoreReads reads,
    GigReadBatcher gigReads,
    SellerEvaluator evaluator,
    DailyEvaluation evaluation,
    WhatIfProjector whatIf,
    HistoryReads history,
    ChangeExplainer explainer,
    IOptions<ScoringOptions> options,
    TimeProvider clock)
    : ScoringService.ScoringServiceBase
{
    private ScoringPolicy Policy => options.Value.Policy;

    public override async Task<GigScore> GetGigScore(GetGigScoreRequest request, ServerCallContext context)
    {
        var read = await VisibleGigAsync(context.Caller(), request.GigId, "a Gig's score", ReadParts.None);
        return ScoringMessages.ToMessage(read.Gig(request.GigId).Score(Policy), Policy, clock.GetUtcNow());
    }

    public override async Task<ProtoSellerScore> GetSellerScore(GetSellerScoreRequest request, ServerCallContext context)
    {
        RequestFields.Id("seller_id", request.SellerId);
        var caller = context.Caller();
        if (!caller.IsSelfOrPrivileged(request.SellerId))
        {
            throw Rejection.PermissionDenied(
                $"a seller's success score is visible only to that seller and to support or internal callers; caller {caller} is not seller {RequestFields.Shown(request.SellerId)}").ToException();
        }

        var read = await reads.SellerAsync(request.SellerId, ReadParts.Record | ReadParts.SellerGigs) ?? throw UnknownSeller(request.SellerId);
        return ScoringMessages.ToMessage(request.SellerId, read.Scored(Policy), read.Record!);
    }

    /// <summary>
    /// The level is public (so is whether Scoring knows the seller: NOT_FOUND to anyone); its metrics
    /// and the unmet criteria are the seller's and privileged callers' only.
    /// </summary>
    public override async Task<ProtoSellerLevel> GetSellerLevel(GetSellerLevelRequest request, ServerCallContext context)
    {
        RequestFields.Id("seller_id", request.SellerId);
        bool withMetrics = context.Caller().IsSelfOrPrivileged(request.SellerId);
        var parts = withMetrics ? ReadParts.Record | ReadParts.SellerGigs | ReadParts.Metrics : ReadParts.Record;
        var read = await reads.SellerAsync(request.SellerId, parts) ?? throw UnknownSeller(request.SellerId);
        var metrics = withMetrics ? read.LevelMetrics(clock.GetUtcNow(), Policy) : null;
        return ScoringMessages.ToMessage(request.SellerId, read.Record!, metrics, Policy);
    }

    public override async Task<WhatIfResponse> WhatIf(WhatIfRequest request, ServerCallContext context)
    {
        var read = await VisibleGigAsync(context.Caller(), request.GigId, "a what-if projection", ReadParts.Record | ReadParts.SellerGigs | ReadParts.GigOrders);
        var now = clock.GetUtcNow();
        var hypothetical = WhatIfProjector.ToFacts(request.GigId, request.Orders, options.Value, now);
        return await whatIf.ProjectAsync(read, request.GigId, hypothetical, now);
    }

    /// <summary>
    /// Why a Gig's (or a seller's) score moved between two evaluations of the history (SPEC 5.3,
    /// issue 13; <see cref="ChangeExplainer"/>). The seller, support and internal callers only:
    /// the ids' form first, then the party rule before existence (an outsider gets the same
    /// PERMISSION_DENIED for a Gig that exists and one that does not), then the other fields.
    /// </summary>
    public override async Task<ScoreChangeExplanation> ExplainScoreChange(ExplainScoreChangeRequest request, ServerCallContext context)
    {
        var caller = context.Caller();
        bool byGig = request.GigId.Length > 0;
        if (byGig == (request.SellerId.Length > 0))
        {
            throw Rejection.InvalidArgument("exactly one of gig_id and seller_id must be set").ToException();
        }

        long? from = Millis(request.From), to = Millis(request.To);
        if (!byGig)
        {
            RequestFields.Id("seller_id", request.SellerId);
            if (!caller.IsSelfOrPrivileged(request.SellerId))
            {
                throw Rejection.PermissionDenied(
                    $"a seller's score explanation is visible only to that seller and to support or internal callers; caller {caller} is not seller {RequestFields.Shown(request.SellerId)}").ToException();
            }

            int maxOrders = ValidateExplainFields(request, from, to);
            var (known, gigs) = await history.SellerGigsAsync(request.SellerId);
            if (!known)
            {
                throw UnknownSeller(request.SellerId);
            }

            // The seller's Gigs are compared at the platform's evaluations (the last two by default).
            var evaluations = await history.EvaluationsAsync(to, from is null ? 2 : 1);
            long? sellerTo = evaluations.Count > 0 ? evaluations[0] : to;
            long? sellerFrom = from ?? (evaluations.Count > 1 ? evaluations[1] : 0); // 0: no earlier evaluation
            var parts = new List<(ScoreChangeExplanation, int, int)>();
            foreach (var gigId in gigs)
            {
                if (await history.GigAsync(gigId, sellerFrom, sellerTo) is { } gigRead)
                {
                    var explained = await explainer.GigAsync(gigId, gigRead, maxOrders);
                    parts.Add((explained, gigRead.Before?.Entry.Aggregate.ScoredOrders ?? 0, gigRead.After?.Entry.Aggregate.ScoredOrders ?? 0));
                }
            }

            return ChangeExplainer.Seller(request.SellerId, parts);
        }

        RequestFields.Id("gig_id", request.GigId);
        var read = await history.GigAsync(request.GigId, from, to);
        if (read is null ? !caller.IsPrivileged : !caller.IsSelfOrPrivileged(read.SellerId))
        {
            throw Rejection.PermissionDenied(
                $"a Gig's score explanation is visible only to the Gig's seller and to support or internal callers; caller {caller} is not the seller of gig {RequestFields.Shown(request.GigId)}").ToException();
        }

        int max = ValidateExplainFields(request, from, to);
        return await explainer.GigAsync(request.GigId, read ?? throw Rejection.NotFound($"gig {RequestFields.Shown(request.GigId)} is unknown to Scoring (none of its orders has reached it)").ToException(), max);
    }

    /// <summary>A timestamp as unix ms; null when unset or not a valid timestamp (refused by <see cref="ValidateExplainFields"/>).</summary>
    private static long? Millis(Timestamp? at) =>
        at is null || at.Nanos is < 0 or > 999_999_999 || at.Seconds is < MinSeconds or > MaxSeconds ? null : at.ToDateTimeOffset().ToUnixTimeMilliseconds();

    private const long MinSeconds = 0; // 1970-01-01: no evaluation is older
    private const long MaxSeconds = 253_402_300_799; // 9999-12-31T23:59:59Z, Timestamp's own limit

    /// <summary>The fields besides the ids: INVALID_ARGUMENT naming the field; the number of orders to name.</summary>
    private static int ValidateExplainFields(ExplainScoreChangeRequest request, long? from, long? to)
    {
        if (request.From is not null && from is null)
        {
            throw Rejection.InvalidArgument("from must be a valid timestamp between 1970-01-01 and 9999-12-31 (nanos 0-999999999)").ToException();
        }

        if (request.To is not null && to is null)
        {
            throw Rejection.InvalidArgument("to must be a valid timestamp between 1970-01-01 and 9999-12-31 (nanos 0-999999999)").ToException();
        }

        if (from >= to)
        {
            throw Rejection.InvalidArgument("from must be earlier than to").ToException();
        }

        if (request.MaxOrders is < 0 or > ChangeExplainer.MaxOrders)
        {
            throw Rejection.InvalidArgument($"max_orders must be 0 (= {ChangeExplainer.DefaultOrders}) to {ChangeExplainer.MaxOrders} (was {request.MaxOrders})").ToException();
        }

        return request.MaxOrders == 0 ? ChangeExplainer.DefaultOrders : request.MaxOrders;
    }

    /// <summary>Evaluates a seller's level and flag now (on demand: from the confirmed level to what the facts qualify for now, never below it); internal and support.</summary>
    [Authorize(Policy = CallerIdentity.Privileged)]
    public override Task<ProtoSellerLevel> EvaluateSeller(EvaluateSellerRequest request, ServerCallContext context) =>
        commands.RunAsync(context, request.RequestId, request, ProtoSellerLevel.Parser, async (work, _) =>
        {
            await RequireKnownSellerAsync(request.SellerId);
            var result = await evaluator.StageAsync(work, request.SellerId, EvaluationKind.OnDemand, clock.GetUtcNow());
            return ScoringMessages.ToMessage(request.SellerId, result.Record, result.Metrics, Policy);
        });

    /// <summary>Support approves (the seller becomes Top Rated) or rejects a pending Top Rated candidate.</summary>
    [Authorize(Policy = CallerIdentity.Support)]
    public override Task<ProtoSellerLevel> DecideTopRated(DecideTopRatedRequest request, ServerCallContext context) =>
        commands.RunAsync(context, request.RequestId, request, ProtoSellerLevel.Parser, async (work, _) =>
        {
            await RequireKnownSellerAsync(request.SellerId);
            var current = await SellerStore.ReadRecordAsync(work, request.SellerId);
            if (current.Level.TopRatedReview != TopRatedReview.Pending)
            {
                throw Rejection.FailedPrecondition(
                    $"seller {request.SellerId} is not a Top Rated candidate awaiting approval (Top Rated review: {current.Level.TopRatedReview}, level: {current.Level.Level})").ToException();
            }

            var now = clock.GetUtcNow();
            var record = await evaluator.StageTopRatedDecisionAsync(work, request.SellerId, request.Approve, now);
            var read = await reads.SellerAsync(request.SellerId, ReadParts.SellerGigs | ReadParts.Metrics) ?? throw UnknownSeller(request.SellerId);
            return ScoringMessages.ToMessage(request.SellerId, record, read.LevelMetrics(now, Policy), Policy);
        });

    /// <summary>The daily evaluation, now; a repeated request id gets the first run's summary (and runs nothing).</summary>
    [Authorize(Policy = CallerIdentity.Privileged)]
    public override async Task<EvaluationSummary> RunEvaluation(RunEvaluationRequest request, ServerCallContext context)
    {
        if (await commands.FindAsync(context, request.RequestId, request, EvaluationSummary.Parser) is { } first)
        {
            return first;
        }

        // The evaluation commits group by group and seller by seller; only its summary is stored
        // with the request. Two concurrent first runs both evaluate, and both answer the summary
        // stored first.
        var run = await evaluation.RunAsync(context.CancellationToken);
        var summary = new EvaluationSummary
        {
            PeerGroups = run.PeerGroups,
            GigsRanked = run.GigsRanked,
            SellersEvaluated = run.SellersEvaluated,
            LevelChanges = run.LevelChanges,
            LowPerformanceChanges = run.FlagChanges,
            EvaluatedAt = Timestamp.FromDateTimeOffset(run.At),
            SellersParked = run.SellersParked,
        };
        return await commands.RunAsync(context, request.RequestId, request, EvaluationSummary.Parser, (_, _) => Task.FromResult(summary));
    }

    /// <summary>
    /// Reads a Gig (and <paramref name="parts"/> of its seller) for a caller who must be its seller
    /// or privileged. Permission comes before existence (issue 16): a caller who may not see the Gig
    /// gets the same PERMISSION_DENIED whether or not it exists, naming neither its seller nor whether
    /// Scoring knows it; only privileged callers learn that a Gig is unknown (NOT_FOUND).
    /// </summary>
    private async Task<ScoringRead> VisibleGigAsync(Caller caller, string gigId, string what, ReadParts parts)
    {
        RequestFields.Id("gig_id", gigId);
        // A plain score read may share its script call with concurrent ones (GigReadBatcher).
        var read = parts == ReadParts.None ? await gigReads.ReadAsync(gigId) : await reads.GigAsync(gigId, parts);
        if (read is null ? !caller.IsPrivileged : !caller.IsSelfOrPrivileged(read.SellerId))
        {
            throw Rejection.PermissionDenied(
                $"{what} is visible only to the Gig's seller and to support or internal callers; caller {caller} is not the seller of gig {RequestFields.Shown(gigId)}").ToException();
        }

        return read ?? throw Rejection.NotFound($"gig {RequestFields.Shown(gigId)} is unknown to Scoring (none of its orders has reached it)").ToException();
    }

    private async Task RequireKnownSellerAsync(string sellerId)
    {
        RequestFields.Id("seller_id", sellerId);
        if (!await sellers.IsKnownAsync(sellerId))
        {
            throw UnknownSeller(sellerId);
        }
    }

    private static RejectedException UnknownSeller(string sellerId) =>
        Rejection.NotFound($"seller {RequestFields.Shown(sellerId)} is unknown to Scoring (none of their orders has reached it)").ToException();
}
