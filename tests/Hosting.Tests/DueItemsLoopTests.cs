using System.Collections.Concurrent;
using Marketplace.Hosting.Background;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Marketplace.Hosting.Tests;

/// <summary>
/// <see cref="DueItemsLoop{TItem}"/>'s pass, without I/O: one after the other by default (in the
/// order the items came due), several at once for a loop that says its items are independent, and
/// in both cases one failing item never keeps the others from being handled.
/// </summary>
public sealed class DueItemsLoopTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task By_default_items_are_handled_one_after_the_other_in_the_order_they_came_due()
    {
        var loop = new ListLoop(concurrency: 1, Enumerable.Range(1, 20).Select(i => $"item-{i:D2}"));

        await loop.RunOnceAsync(CancellationToken.None);

        Assert.Equal(Enumerable.Range(1, 20).Select(i => $"item-{i:D2}"), loop.Started);
        Assert.Equal(1, loop.MostAtOnce);
    }

    [Fact]
    public async Task A_loop_of_independent_items_handles_up_to_its_concurrency_at_once_and_each_item_once()
    {
        // Each item waits until four are in flight: a pass handling them one at a time never gets there.
        var fourInFlight = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var loop = new ListLoop(concurrency: 4, Enumerable.Range(1, 12).Select(i => $"item-{i}"))
        {
            WhileHandling = async (_, inFlight) =>
            {
                if (inFlight >= 4)
                {
                    fourInFlight.TrySetResult();
                }

                await fourInFlight.Task.WaitAsync(Bound);
            },
        };

        await loop.RunOnceAsync(CancellationToken.None);

        Assert.Equal(4, loop.MostAtOnce);
        Assert.Equal(12, loop.Handled.Count);
        Assert.All(loop.Handled.Values, count => Assert.Equal(1, count));
    }

    [Fact]
    public async Task A_failing_item_is_tried_again_later_and_the_others_of_its_batch_are_handled_meanwhile()
    {
        var loop = new ListLoop(concurrency: 4, Enumerable.Range(1, 10).Select(i => $"item-{i}"))
        {
            WhileHandling = (item, _) => item == "item-3" ? throw new InvalidOperationException("this one is broken") : Task.CompletedTask,
        };

        await loop.RunOnceAsync(CancellationToken.None);

        Assert.Equal(9, loop.Handled.Count);
        Assert.DoesNotContain("item-3", loop.Handled.Keys);
        Assert.Contains("item-3", loop.Remaining);
        Assert.Empty(loop.Parked);

        // Within its retry pause (the clock stands still) the next pass skips it (and ends: nothing else is due) ...
        await loop.RunOnceAsync(CancellationToken.None);
        Assert.Equal(1, loop.Started.Count(s => s == "item-3"));

        // ... and once the pause has passed, the next pass tries it again.
        loop.Time.Advance(TimeSpan.FromMinutes(2));
        await loop.RunOnceAsync(CancellationToken.None);
        Assert.Equal(2, loop.Started.Count(s => s == "item-3"));
    }

    [Fact]
    public async Task A_loop_that_handles_items_together_hands_them_over_in_units_and_a_failing_unit_is_handled_item_by_item()
    {
        var loop = new ListLoop(concurrency: 1, Enumerable.Range(1, 10).Select(i => $"item-{i:D2}"))
        {
            PerUnit = 4,
            WhileHandling = (item, _) => item == "item-06" ? throw new InvalidOperationException("this one is broken") : Task.CompletedTask,
        };

        await loop.RunOnceAsync(CancellationToken.None);

        Assert.Equal(
            ["item-01 item-02 item-03 item-04", "item-05 item-06 item-07 item-08", "item-09 item-10"],
            loop.Units.Select(unit => string.Join(' ', unit)));
        // The unit holding the broken item was handled again item by item: its other items are done ...
        Assert.Equal(["item-05", "item-06", "item-07", "item-08"], loop.Started);
        Assert.Equal(9, loop.Handled.Count);
        Assert.All(loop.Handled.Values, count => Assert.Equal(1, count));
        // ... and only the broken one waits for its retry, alone.
        Assert.Equal(["item-06"], loop.Remaining);
        Assert.Empty(loop.Parked);
        loop.Time.Advance(TimeSpan.FromMinutes(2));
        await loop.RunOnceAsync(CancellationToken.None);
        Assert.Equal(2, loop.Started.Count(s => s == "item-06"));
    }

    /// <summary>A loop over a list: an item leaves the list when it is handled.</summary>
    private sealed class ListLoop(int concurrency, IEnumerable<string> items, FakeTimeProvider time)
        : DueItemsLoop<string>(time, NullLogger.Instance)
    {
        public ListLoop(int concurrency, IEnumerable<string> items)
            : this(concurrency, items, new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero)))
        {
        }

        /// <summary>The loop's clock: it moves only when the test moves it (a retry pause does not run out on a slow machine).</summary>
        public FakeTimeProvider Time { get; } = time;

        private readonly List<string> _items = items.ToList();
        private readonly ConcurrentQueue<string> _started = new();
        private int _inFlight;
        private int _mostAtOnce;

        public Func<string, int, Task> WhileHandling { get; init; } = (_, _) => Task.CompletedTask;

        /// <summary>Items per <see cref="HandleTogetherAsync"/> call (1: the loop hands items over one by one).</summary>
        public int PerUnit { get; init; } = 1;

        /// <summary>Every unit handed to <see cref="HandleTogetherAsync"/>, in order.</summary>
        public ConcurrentQueue<string[]> Units { get; } = new();

        public ConcurrentDictionary<string, int> Handled { get; } = new();

        public ConcurrentBag<string> Parked { get; } = [];

        public IReadOnlyList<string> Started => [.. _started];

        public IReadOnlyList<string> Remaining
        {
            get
            {
                lock (_items)
                {
                    return [.. _items];
                }
            }
        }

        public int MostAtOnce => Volatile.Read(ref _mostAtOnce);

        protected override int Concurrency => concurrency;

        protected override int ItemsPerUnit => PerUnit;

        protected override TimeSpan Interval => TimeSpan.FromSeconds(1);

        protected override Task<IReadOnlyList<string>> DueAsync(DateTimeOffset now, int take, CancellationToken cancellationToken)
        {
            lock (_items)
            {
                return Task.FromResult<IReadOnlyList<string>>(_items.Take(take).ToList());
            }
        }

        protected override async Task HandleAsync(string item, DateTimeOffset now, CancellationToken cancellationToken)
        {
            _started.Enqueue(item);
            int inFlight = Interlocked.Increment(ref _inFlight);
            int most;
            while (inFlight > (most = Volatile.Read(ref _mostAtOnce)) && Interlocked.CompareExchange(ref _mostAtOnce, inFlight, most) != most)
            {
            }

            try
            {
                await Task.Yield();
                await WhileHandling(item, inFlight);
                Handled.AddOrUpdate(item, 1, (_, n) => n + 1);
                lock (_items)
                {
                    _items.Remove(item);
                }
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }

        /// <summary>All or nothing, as one unit of work is: the unit's checks run before any item is taken off the list.</summary>
        protected override async Task HandleTogetherAsync(IReadOnlyList<string> items, DateTimeOffset now, CancellationToken cancellationToken)
        {
            Units.Enqueue([.. items]);
            foreach (var item in items)
            {
                await WhileHandling(item, 1);
            }

            foreach (var item in items)
            {
                Handled.AddOrUpdate(item, 1, (_, n) => n + 1);
                lock (_items)
                {
                    _items.Remove(item);
                }
            }
        }

        protected override Task ParkAsync(string item, string error, CancellationToken cancellationToken)
        {
            Parked.Add(item);
            return Task.CompletedTask;
        }
    }
}
