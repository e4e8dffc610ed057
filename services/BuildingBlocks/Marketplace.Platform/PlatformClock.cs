using Marketplace.Hosting.Time;
using StackExchange.Redis;

namespace Marketplace.Platform;

/// <summary>The platform's simulated clock from the outside (docs/clock.md): for the DevHost, the simulation and tests.</summary>
public static class PlatformClock
{
    /// <summary>The topics of the platform's event bus, which the driver waits on.</summary>
    public static IReadOnlyList<string> Topics { get; } =
        [PlatformEvents.Topics.Orders, PlatformEvents.Topics.Reviews, PlatformEvents.Topics.Messaging, PlatformEvents.Topics.Scoring];

    /// <summary>
    /// The settings that put a service on the simulated clock (as configuration keys; as environment
    /// variables <c>Platform__Clock</c> and <c>Platform__AllowSimulatedClock</c>).
    /// </summary>
    public static IReadOnlyDictionary<string, string> SimulatedSettings { get; } = new Dictionary<string, string>
    {
        ["Platform:Clock"] = "Simulated",
        ["Platform:AllowSimulatedClock"] = "true",
    };

    /// <summary>A driver of the platform's simulated clock in <paramref name="redis"/>.</summary>
    public static SimulatedClockDriver Driver(IConnectionMultiplexer redis, TimeSpan? timeout = null) => new(redis, Topics, timeout);
}
