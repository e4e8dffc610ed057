using Marketplace.Hosting;
using Marketplace.Hosting.Background;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Marketplace.Scoring.Rebuild;

/// <summary>
/// Runs the rebuild that RebuildScores started (<see cref="RebuildJob"/>), on one replica at a
/// time: the replica that takes the lease runs it and renews the lease every
/// <see cref="RenewEvery"/> while it runs. A replica that dies (SIGKILL, a crash) stops renewing;
/// once the lease lapses (<see cref="LeaseTime"/>), the next look of any replica, itself restarted
/// included, takes the lease and resumes the job from its checkpoint.
/// </summary>
public sealed class RebuildWorker(ScoreRebuilder rebuilder, RedisConnection redis, ILogger<RebuildWorker> logger)
    : BackgroundLoop(TimeProvider.System, logger)
{
    public static readonly TimeSpan LeaseTime = TimeSpan.FromSeconds(6);

    public static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(1);

    private readonly string _owner = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}";

    // Real time, whatever clock the service runs on: the lease lives in Redis time.
    protected override TimeSpan Interval => TimeSpan.FromMilliseconds(200);

    private IDatabase Db => redis.Database;

    public override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        if (await rebuilder.ReadJobAsync() is not { IsRunning: true } job
            || !await Db.StringSetAsync(RebuildJob.LeaseKey, _owner, LeaseTime, When.NotExists))
        {
            return;
        }

        // Read again under the lease: the job may have ended between the look and the lease.
        job = await rebuilder.ReadJobAsync();
        if (job is not { IsRunning: true })
        {
            await ReleaseAsync();
            return;
        }

        Logger.LogInformation("Rebuild {Id}: running from phase {Phase} (cursor {Cursor} of {Gigs} Gigs)", job.Id, job.Phase, job.Cursor, job.GigsTotal);
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var renewing = RenewAsync(lost);
        try
        {
            await rebuilder.RunAsync(job, _ => lost.IsCancellationRequested && !cancellationToken.IsCancellationRequested
                ? throw new RebuildLeaseLostException($"rebuild {job.Id}: this replica lost the lease")
                : Task.CompletedTask, lost.Token);
        }
        catch (Exception e) when (e is RebuildLeaseLostException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            Logger.LogWarning("Rebuild {Id}: lost the lease; another replica resumes it", job.Id);
        }
        finally
        {
            await lost.CancelAsync();
            await renewing;
            await ReleaseAsync();
        }
    }

    /// <summary>Renews the lease until <paramref name="run"/> ends; cancels it when the lease was lost.</summary>
    private async Task RenewAsync(CancellationTokenSource run)
    {
        while (!run.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(RenewEvery, run.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var renewed = (long)await Db.ScriptEvaluateAsync(
                "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0",
                [RebuildJob.LeaseKey], [_owner, (long)LeaseTime.TotalMilliseconds]);
            if (renewed == 0)
            {
                await run.CancelAsync();
                return;
            }
        }
    }

    private Task ReleaseAsync() => Db.ScriptEvaluateAsync(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
        [RebuildJob.LeaseKey], [_owner]);
}
