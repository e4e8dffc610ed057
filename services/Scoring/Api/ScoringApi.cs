using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Marketplace.Contracts.Scoring.V1;
using Marketplace.EventBus;
using Marketplace.Grpc;
using Marketplace.Hosting.Identity;
using Marketplace.Platform;
using Marketplace.Scoring.Engine;
using Marketplace.Scoring.Evaluation;
using Marketplace.Scoring.Store;
using GigScore = Marketplace.Contracts.Scoring.V1.GigScore;
using LevelMetrics = Marketplace.Scoring.Engine.LevelMetrics;
using ProtoSellerLevel = Marketplace.Contracts.Scoring.V1.SellerLevel;
using ProtoSellerScore = Marketplace.Contracts.Scoring.V1.SellerScore;

namespace Marketplace.Scoring.Api;

/// <summary>
/// The gRPC surface of marketplace.scoring.v1.ScoringService. Scores are computed when asked, from
/// the Gigs' aggregates and their peer groups' rankings in Redis; evaluations and Top Rated
/// decisions run in units of work with the events they publish. Who sees what follows SPEC 5.6:
/// scores, breakdowns and what-if for the seller and privileged callers, levels for everyone.
/// </summary>
public sealed class ScoringApi(
    CallerAuthenticator authenticator,
    SellerStore sellers,
    SellerEvaluator evaluator,
    DailyEvaluation evaluation,
    WhatIfProjector whatIf,
    UnitOfWorkExecutor executor,
    ScoringOptions options,
    TimeProvider clock)
{
    private ScoringPolicy Policy => options.Policy;

    public async Task<GigScore> GetGigScore(GetGigScoreRequest request, ServerCallContext context)
    {
        var caller = await authenticator.AuthenticateAsync(context);
        var gig = await KnownGigAsync(request.GigId);
        RequireSelfOrPrivileged(caller, gig.SellerId, "a Gig's score");
        return ScoringMessages.ToMessage(await sellers.ScoreAsync(gig), Policy, clock.GetUtcNow());
    }

    public async Task<ProtoSellerScore> GetSellerScore(GetSellerScoreRequest request, ServerCallContext context)
    {
        var caller = await authenticator.AuthenticateAsync(context);
        await RequireKnownSellerAsync(request.SellerId);
        RequireSelfOrPrivileged(caller, request.SellerId, "a seller's success score");
        var gigs = await sellers.ScoreGigsAsync(request.SellerId);
        return ScoringMessages.ToMessage(request.SellerId, gigs, await sellers.GetRecordAsync(request.SellerId));
    }

    /// <summary>The level is public; its metrics and the unmet criteria are the seller's and privileged callers' only.</summary>
    public async Task<ProtoSellerLevel> GetSellerLevel(GetSellerLevelRequest request, ServerCallContext context)
    {
        var caller = await authenticator.AuthenticateAsync(context);
        await RequireKnownSellerAsync(request.SellerId);
        var record = await sellers.GetRecordAsync(request.SellerId);
        LevelMetrics? metrics = null;
        if (caller.IsSelfOrPrivileged(request.SellerId))
        {
            metrics = await sellers.CurrentMetricsAsync(request.SellerId, clock.GetUtcNow());
        }

        return ScoringMessages.ToMessage(request.SellerId, record, metrics, Policy);
    }

    public async Task<WhatIfResponse> WhatIf(WhatIfRequest request, ServerCallContext context)
    {
        var caller = await authenticator.AuthenticateAsync(context);
        var gig = await KnownGigAsync(request.GigId);
        RequireSelfOrPrivileged(caller, gig.SellerId, "a what-if projection");
        var hypothetical = WhatIfProjector.ToFacts(gig.GigId, request.Orders, options, clock.GetUtcNow());
        return await whatIf.ProjectAsync(gig, hypothetical, clock.GetUtcNow());
    }

    public Task<ScoreChangeExplanation> ExplainScoreChange(ExplainScoreChangeRequest request, ServerCallContext context) =>
        throw new RpcException(new Status(StatusCode.Unimplemented,
            "ExplainScoreChange is not served yet: Scoring does not keep a history of evaluations to compare"));

    /// <summary>Evaluates a seller's level and flag now (on demand: may promote, never demotes); internal and support.</summary>
    public async Task<ProtoSellerLevel> EvaluateSeller(EvaluateSellerRequest request, ServerCallContext context)
    {
        var caller = await authenticator.AuthenticateAsync(context);
        RequirePrivileged(caller, "evaluate a seller");
        Require("request_id", request.RequestId);
        await RequireKnownSellerAsync(request.SellerId);
        var digest = IdempotentReply.Digest(nameof(EvaluateSeller), request);
        var outcome = await executor.ExecuteAsync($"request:{request.RequestId}", async (work, _) =>
        {
            var result = await evaluator.StageAsync(work, request.SellerId, EvaluationKind.OnDemand, clock.GetUtcNow());
            work.SetResult(IdempotentReply.Encode(digest, ScoringMessages.ToMessage(request.SellerId, result.Record, result.Metrics, Policy)));
        }, context.CancellationToken);
        return IdempotentReply.Decode((byte[])outcome.Result!, digest, ProtoSellerLevel.Parser, request.RequestId);
    }

    /// <summary>Support approves (the seller becomes Top Rated) or rejects a pending Top Rated candidate.</summary>
    public async Task<ProtoSellerLevel> DecideTopRated(DecideTopRatedRequest request, ServerCallContext context)
    {
        var caller = await authenticator.AuthenticateAsync(context);
        if (!caller.Has(CallerRole.Support))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"only support decides on Top Rated candidates; caller is {caller}"));
        }

        Require("request_id", request.RequestId);
        await RequireKnownSellerAsync(request.SellerId);
        var digest = IdempotentReply.Digest(nameof(DecideTopRated), request);
        var outcome = await executor.ExecuteAsync($"request:{request.RequestId}", async (work, _) =>
        {
            var current = await sellers.ReadRecordAsync(work, request.SellerId);
            if (current.Level.TopRatedReview != TopRatedReview.Pending)
            {
                throw new RpcException(new Status(StatusCode.FailedPrecondition,
                    $"seller {request.SellerId} is not a Top Rated candidate awaiting approval (Top Rated review: {current.Level.TopRatedReview}, level: {current.Level.Level})"));
            }

            var now = clock.GetUtcNow();
            var record = await evaluator.StageTopRatedDecisionAsync(work, request.SellerId, request.Approve, now);
            var metrics = await sellers.CurrentMetricsAsync(request.SellerId, now);
            work.SetResult(IdempotentReply.Encode(digest, ScoringMessages.ToMessage(request.SellerId, record, metrics, Policy)));
        }, context.CancellationToken);
        return IdempotentReply.Decode((byte[])outcome.Result!, digest, ProtoSellerLevel.Parser, request.RequestId);
    }

    /// <summary>The daily evaluation, now; a repeated request id gets the first run's summary.</summary>
    public async Task<EvaluationSummary> RunEvaluation(RunEvaluationRequest request, ServerCallContext context)
    {
        var caller = await authenticator.AuthenticateAsync(context);
        RequirePrivileged(caller, "run the evaluation");
        Require("request_id", request.RequestId);
        var digest = IdempotentReply.Digest(nameof(RunEvaluation), request);
        string operation = $"request:{request.RequestId}";
        if (await executor.GetResultAsync(operation) is { IsNull: false } prior)
        {
            return IdempotentReply.Decode((byte[])prior!, digest, EvaluationSummary.Parser, request.RequestId);
        }

        var run = await evaluation.RunAsync(context.CancellationToken);
        var summary = new EvaluationSummary
        {
            PeerGroups = run.PeerGroups,
            GigsRanked = run.GigsRanked,
            SellersEvaluated = run.SellersEvaluated,
            LevelChanges = run.LevelChanges,
            LowPerformanceChanges = run.FlagChanges,
            EvaluatedAt = Timestamp.FromDateTimeOffset(run.At),
        };
        var outcome = await executor.ExecuteAsync(operation, (work, _) =>
        {
            work.SetResult(IdempotentReply.Encode(digest, summary));
            return Task.CompletedTask;
        }, context.CancellationToken);
        return IdempotentReply.Decode((byte[])outcome.Result!, digest, EvaluationSummary.Parser, request.RequestId);
    }

    private async Task<GigRecord> KnownGigAsync(string gigId)
    {
        Require("gig_id", gigId);
        return await sellers.GetGigAsync(gigId)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"gig {gigId} is unknown to Scoring (none of its orders has reached it)"));
    }

    private async Task RequireKnownSellerAsync(string sellerId)
    {
        Require("seller_id", sellerId);
        if (!await sellers.IsKnownAsync(sellerId))
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"seller {sellerId} is unknown to Scoring (none of their orders has reached it)"));
        }
    }

    private static void Require(string field, string value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"{field} must not be empty"));
        }
    }

    private static void RequireSelfOrPrivileged(Caller caller, string sellerId, string what)
    {
        if (!caller.IsSelfOrPrivileged(sellerId))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"{what} is visible only to seller {sellerId} and to support or internal callers; caller is {caller}"));
        }
    }

    private static void RequirePrivileged(Caller caller, string what)
    {
        if (!caller.IsPrivileged)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"only support or internal callers may {what}; caller is {caller}"));
        }
    }
}
