using Marketplace.Hosting;
using StackExchange.Redis;

namespace Marketplace.Scoring.Store;

/// <summary>
/// When the daily evaluation is next due and which replica runs it: the hash
/// <see cref="ScoringKeys.Evaluation"/> (<c>next_due</c>, <c>last_run</c>, Unix ms) and the lease
/// <see cref="ScoringKeys.EvaluationLease"/> (a string with a TTL holding the owner).
/// </summary>
public sealed class EvaluationSchedule(RedisConnection redis)
{
    private IDatabase Db => redis.Database;

    /// <summary>When the next run is due; null before the platform's first start scheduled one.</summary>
    public async Task<DateTimeOffset?> NextDueAsync()
    {
        var fields = HashReader.From("scoring evaluation schedule", await Db.HashGetAllAsync(ScoringKeys.Evaluation));
        return fields.OptionalLong("next_due") is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
    }

    /// <summary>Schedules the first run, unless a replica did already.</summary>
    public async Task ScheduleFirstAsync(DateTimeOffset due) =>
        await Db.HashSetAsync(ScoringKeys.Evaluation, "next_due", due.ToUnixTimeMilliseconds(), When.NotExists);

    /// <summary>Records a run and when the next one is due.</summary>
    public async Task RecordRunAsync(DateTimeOffset at, DateTimeOffset nextDue) =>
        await Db.HashSetAsync(ScoringKeys.Evaluation, [.. new HashWriter()
            .Set("last_run", at.ToUnixTimeMilliseconds())
            .Set("next_due", nextDue.ToUnixTimeMilliseconds())
            .Entries.Select(e => new HashEntry(e.Key, e.Value))]);

    /// <summary>Takes the lease for <paramref name="time"/> when no replica holds it.</summary>
    public async Task<bool> TryTakeLeaseAsync(string owner, TimeSpan time) =>
        await Db.StringSetAsync(ScoringKeys.EvaluationLease, owner, time, When.NotExists);

    /// <summary>Gives the lease back, if <paramref name="owner"/> still holds it.</summary>
    public async Task ReleaseLeaseAsync(string owner)
    {
        if ((string?)await Db.StringGetAsync(ScoringKeys.EvaluationLease) == owner)
        {
            await Db.KeyDeleteAsync(ScoringKeys.EvaluationLease);
        }
    }
}
