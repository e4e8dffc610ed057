using Marketplace.EventBus.Redis;

namespace Marketplace.EventBus.Outbox;

/// <summary>
/// Where the relay hands committed events: the configured transport. An implementation removes
/// an outbox entry only after its event is on the bus; an entry it cannot pass on stays pending
/// and is handed over again after the processing timeout.
/// </summary>
public interface IOutboxTransport
{
    /// <summary>Passes on a batch of outbox entries (fields <c>topic</c>, <c>data</c>, <c>metadata</c>).</summary>
    Task RelayAsync(IReadOnlyList<StreamDelivery> entries, CancellationToken cancellationToken);
}
