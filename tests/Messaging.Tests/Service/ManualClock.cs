namespace Marketplace.Messaging.Tests.Service;

/// <summary>A clock the test moves by hand, for driving a background loop pass by pass.</summary>
public sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    private DateTimeOffset _now = now;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
