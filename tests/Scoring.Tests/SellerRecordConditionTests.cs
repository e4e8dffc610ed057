using Marketplace.EventBus;
using Marketplace.Hosting;
using Marketplace.Scoring.Engine;
using Marketplace.Scoring.Evaluation;
using Marketplace.Scoring.Store;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Marketplace.Scoring.Tests;

/// <summary>
/// A seller's record is read by every evaluation of the seller (the daily evaluation's batches,
/// the re-evaluation after an event, support's Top Rated decision), each in a unit of work whose
/// commit condition is the record's revision (<see cref="SellerRecord.RevisionField"/>), which
/// every write raises. A record written by another unit between a batch's read and its commit must
/// make the batch run again from the record as it now is: committing the batch's stale copy would
/// undo the other write (a level, a flag, the version of the seller's events).
/// </summary>
public sealed class SellerRecordConditionTests
{
    private static readonly DateTimeOffset Now = new(2026, 9, 9, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Attack_a_record_written_between_a_daily_batch_s_read_and_its_commit_makes_the_batch_run_again_on_it()
    {
        await using var scoring = await ScoringHarness.StartAsync();
        await scoring.DeliverAsync(ScoreTests.Group());
        var services = scoring.Host.Services;
        var executor = services.GetRequiredService<UnitOfWorkExecutor>();
        var evaluator = services.GetRequiredService<SellerEvaluator>();
        string[] sellers = ["seller-a", "seller-b", "seller-c"];
        var before = await RecordAsync(scoring, "seller-b");

        int attempts = 0;
        await executor.ExecuteAsync(null, async (work, _) =>
        {
            attempts++;
            await evaluator.StageAllAsync(work, sellers, EvaluationKind.Daily, Now);
            if (attempts == 1)
            {
                // Another writer's commit in between: the record with a later event version, as
                // written by the store's one writer (which raises the revision).
                await executor.ExecuteAsync(null, async (other, _) =>
                {
                    var current = await SellerStore.ReadRecordAsync(other, "seller-b");
                    SellerStore.StageRecord(other, "seller-b", current with { Version = current.Version + 7 });
                }, CancellationToken.None);
            }
        }, CancellationToken.None);

        Assert.Equal(2, attempts);
        var after = await RecordAsync(scoring, "seller-b");
        Assert.True(after.Version >= before.Version + 7, $"the batch's commit kept version {after.Version}, which undoes the other write's {before.Version + 7}");
        Assert.Equal(Now, after.EvaluatedAt);
    }

    [Fact]
    public async Task A_record_write_raises_the_revision_and_removes_the_times_left_unset()
    {
        await using var scoring = await ScoringHarness.StartAsync();
        var executor = scoring.Host.Services.GetRequiredService<UnitOfWorkExecutor>();
        var decided = SellerRecord.New with
        {
            Level = LevelState.New with { TopRatedDecidedAt = Now },
            EvaluatedAt = Now,
        };

        await executor.ExecuteAsync(null, (work, _) =>
        {
            SellerStore.StageRecord(work, "seller-x", decided);
            return Task.CompletedTask;
        }, CancellationToken.None);
        var first = await scoring.Db.HashGetAllAsync(ScoringKeys.Seller("seller-x"));
        Assert.Contains(first, e => e.Name == "top_rated_at");
        Assert.Equal("1", first.Single(e => e.Name == SellerRecord.RevisionField).Value.ToString());

        await executor.ExecuteAsync(null, (work, _) =>
        {
            SellerStore.StageRecord(work, "seller-x", decided with { Level = LevelState.New, EvaluatedAt = null });
            return Task.CompletedTask;
        }, CancellationToken.None);
        var second = await scoring.Db.HashGetAllAsync(ScoringKeys.Seller("seller-x"));
        Assert.DoesNotContain(second, e => e.Name == "top_rated_at" || e.Name == "evaluated");
        Assert.Equal("2", second.Single(e => e.Name == SellerRecord.RevisionField).Value.ToString());
        Assert.Equal(decided with { Level = LevelState.New, EvaluatedAt = null }, await RecordAsync(scoring, "seller-x"));
    }

    private static async Task<SellerRecord> RecordAsync(ScoringHarness scoring, string sellerId) =>
        SellerRecord.FromFields(HashReader.From(sellerId, await scoring.Db.HashGetAllAsync(ScoringKeys.Seller(sellerId))));
}
