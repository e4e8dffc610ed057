using Marketplace.Contracts.Orders.V1;
using Marketplace.EventBus;
using Marketplace.Orders.Store;
using Marketplace.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Marketplace.Orders.Tests.Service;

/// <summary>
/// A unit of work that read an order commits only if the order's hash is still at the revision it
/// read (<see cref="OrderFields.RevisionField"/>), and every write raises it: also a write that
/// publishes nothing and leaves <c>version</c> alone, such as Messaging's buyer-unresponsive mark.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class OrderRevisionTests(RedisFixture redis) : IAsyncLifetime
{
    private OrdersHarness _orders = null!;

    public async Task InitializeAsync() => _orders = await OrdersHarness.StartAsync(redis);

    public async Task DisposeAsync() => await _orders.DisposeAsync();

    [Fact]
    public async Task A_write_between_a_read_and_its_commit_makes_the_unit_run_again_and_both_changes_stay()
    {
        var parties = new Parties();
        var order = await _orders.OrderInStateAsync(parties, OrderState.InProgress);
        var executor = _orders.Host.Services.GetRequiredService<UnitOfWorkExecutor>();
        var store = _orders.Host.Services.GetRequiredService<OrderStore>();
        var before = (await store.GetAsync(order.OrderId))!;
        int attempts = 0;

        await executor.ExecuteAsync(null, async (work, cancellationToken) =>
        {
            attempts++;
            var read = (await OrderStore.ReadAsync(work, order.OrderId))!;
            if (attempts == 1)
            {
                // Another writer records a mark meanwhile: no event, the same version.
                await executor.ExecuteAsync(null, async (other, _) =>
                {
                    var current = (await OrderStore.ReadAsync(other, order.OrderId))!;
                    OrderStore.StageChanged(other, current.WithBuyerUnresponsiveMarks("conv-x", 1)!, []);
                }, cancellationToken);
            }

            OrderStore.StageChanged(work, read with { SupportContactCount = read.SupportContactCount + 1 }, []);
        }, CancellationToken.None);

        Assert.Equal(2, attempts);
        var stored = (await store.GetAsync(order.OrderId))!;
        Assert.Equal(1, stored.BuyerUnresponsiveMarks);
        Assert.Equal(before.SupportContactCount + 1, stored.SupportContactCount);
        Assert.Equal(before.Version, stored.Version);
        Assert.Equal(before.StoreRevision + 2, stored.StoreRevision);
    }

    [Fact]
    public async Task A_hash_written_before_the_revision_reads_as_revision_zero_and_its_next_write_sets_one()
    {
        var parties = new Parties();
        var order = await _orders.OrderInStateAsync(parties, OrderState.Placed);
        await _orders.Redis.HashDeleteAsync(OrderKeys.Order(order.OrderId), OrderFields.RevisionField);
        var store = _orders.Host.Services.GetRequiredService<OrderStore>();
        Assert.Equal(0, (await store.GetAsync(order.OrderId))!.StoreRevision);

        await _orders.Client.SubmitRequirementsAsync(
            new SubmitRequirementsRequest { RequestId = OrdersHarness.NewRequestId(), OrderId = order.OrderId, Requirements = "r" },
            Marketplace.Clients.PlatformClients.Authorization(parties.Buyer));

        Assert.Equal("1", (string?)await _orders.Redis.HashGetAsync(OrderKeys.Order(order.OrderId), OrderFields.RevisionField));
    }
}
