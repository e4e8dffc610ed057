namespace Marketplace.EventBus;

/// <summary>What every part of the bus shares about the running app: its id, its catalogue, its settings.</summary>
public sealed record EventBusContext(string AppId, EventCatalogue Catalogue, EventBusOptions Options)
{
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>This instance's consumer name within the app's consumer group: unique per process.</summary>
    public string ConsumerName { get; init; } = $"{Environment.MachineName.ToLowerInvariant()}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";
}
