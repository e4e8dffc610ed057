namespace Marketplace.Scoring.Tests;

/// <summary>A clock the test sets: the service's "now" for evaluations and what-if.</summary>
public sealed class FakeClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
