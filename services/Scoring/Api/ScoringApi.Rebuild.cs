using Grpc.Core;
using Marketplace.Contracts.Scoring.V1;
using Marketplace.Domain;
using Marketplace.Hosting;
using Marketplace.Hosting.Identity;
using Marketplace.Platform;
using Marketplace.Platform.Grpc;
using Marketplace.Scoring.Rebuild;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Marketplace.Scoring.Api;

/// <summary>The rebuild RPCs (issue 13): start a rebuild or a dry run, and follow it (<see cref="ScoreRebuilder"/>).</summary>
public sealed partial class ScoringApi
{
    /// <summary>
    /// Starts a rebuild (or a dry run) and answers its status at once; the worker runs it. One at a
    /// time: FAILED_PRECONDITION while another is running. The same request id answers the first
    /// status again (and starts nothing); reused for another request, ALREADY_EXISTS.
    /// </summary>
    [Authorize(Policy = CallerIdentity.Privileged)]
    public override Task<RebuildStatus> RebuildScores(RebuildScoresRequest request, ServerCallContext context)
    {
        var services = context.GetHttpContext().RequestServices;
        var clock = services.GetRequiredService<TimeProvider>();
        return services.GetRequiredService<IdempotentCommands>().RunAsync(context, request.RequestId, request, RebuildStatus.Parser, async (work, caller) =>
        {
            var current = RebuildJob.From((await work.ReadHashAsync(RebuildJob.Key)).Select(e => new HashEntry(e.Key, e.Value)).ToArray());
            if (current is { IsRunning: true })
            {
                throw Rejection.FailedPrecondition(
                    $"rebuild {current.Id} ({(current.DryRun ? "a dry run" : "a rebuild")}) is still running (phase {current.Phase}, {current.OrdersDone} of {current.OrdersTotal} orders): " +
                    "one rebuild at a time; follow it with GetRebuildStatus and start the next one when it has ended").ToException();
            }

            var job = new RebuildJob { Id = $"{caller.Subject}:{request.RequestId}", DryRun = request.DryRun, StartedAt = clock.GetUtcNow() };
            work.KeyDelete(RebuildJob.Key);
            work.HashSet(RebuildJob.Key, job.ToEntries().Select(e => new KeyValuePair<string, RedisValue>(e.Name!, e.Value)));
            return job.ToStatus();
        });
    }

    /// <summary>The rebuild under way or the last one; state UNSPECIFIED when none has run.</summary>
    [Authorize(Policy = CallerIdentity.Privileged)]
    public override async Task<RebuildStatus> GetRebuildStatus(GetRebuildStatusRequest request, ServerCallContext context)
    {
        var redis = context.GetHttpContext().RequestServices.GetRequiredService<RedisConnection>();
        return RebuildJob.From(await redis.Database.HashGetAllAsync(RebuildJob.Key))?.ToStatus() ?? new RebuildStatus { State = RebuildState.Unspecified };
    }
}
