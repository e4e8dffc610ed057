using System.Diagnostics;
using Marketplace.EventBus.ChildConsumer;
using Marketplace.EventBus.ChildConsumer.Contracts;
using Marketplace.EventBus.Redis;
using Marketplace.Testing;
using Marketplace.Testing.Dapr;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using StackExchange.Redis;
using Xunit;

namespace Marketplace.EventBus.Tests;

/// <summary>One trace from the publishing call through the event into its handler and on to the follow-up event; the bus's counters and backlog gauges.</summary>
[Collection(RedisCollection.Name)]
public sealed class TelemetryTests(RedisFixture redis) : IAsyncLifetime
{
    private static readonly ActivitySource Caller = new("EventBus.Tests.Caller");

    public Task InitializeAsync() => redis.FlushAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private IDatabase Db => redis.Server.Admin.GetDatabase();

    [Fact]
    public async Task An_event_is_handled_in_a_child_of_the_publishers_span_and_its_follow_up_carries_the_handlers_context()
    {
        var spans = new List<Activity>();
        var metrics = new List<Metric>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(EventBusTelemetry.Name, Caller.Name).AddInMemoryExporter(spans).Build();
        using var meters = Sdk.CreateMeterProviderBuilder().AddMeter(EventBusTelemetry.Name).AddInMemoryExporter(metrics).Build();
        await using var consumer = await BusHost.StartAsync(
            "renamer",
            redis.ConnectionString,
            builder => builder.AddEventBus(TestCatalogue.Create(), handlers => handlers.Add<FollowUpEventTests.RenameCounter>()),
            app => app.MapEventBus(),
            TestBus.FastSettings());
        await using var publisher = await TestBus.StartAsync(redis.ConnectionString, "publisher", withHandlers: false);
        var executor = publisher.Services.GetRequiredService<UnitOfWorkExecutor>();

        CloudEvent published;
        string callId;
        ActivitySpanId callSpan;
        using (var call = Caller.StartActivity("RenameItem", ActivityKind.Server)!)
        {
            callId = call.Id!;
            callSpan = call.SpanId;
            published = (await executor.ExecuteAsync(null, (work, _) =>
            {
                work.Publish(TestCatalogue.ItemRenamed, "i-1", new ItemRenamed { ItemId = "i-1", Version = 1, Name = "traced" });
                return Task.CompletedTask;
            }, CancellationToken.None)).Events.Single();
        }

        // Acked after the handler's activity ended; the follow-up is relayed by the consumer's outbox.
        await TestBus.WaitUntilAsync(async () => await Db.HashLengthAsync("test:renames:{i-1}") == 1
            && await TestBus.PendingCountAsync(Db, TestCatalogue.ItemsTopic, "renamer") == 0, "the event was handled and acknowledged");
        await TestBus.WaitUntilAsync(async () => (await TopicHistory.ReadAsync(Db, TestCatalogue.CountersTopic)).Count == 1, "the follow-up was relayed");
        var (_, followUp) = Assert.Single(await TopicHistory.ReadAsync(Db, TestCatalogue.CountersTopic));
        tracing.ForceFlush();

        Assert.Equal(callId, published.TraceParent);
        var process = Assert.Single(spans, span => span.Source.Name == EventBusTelemetry.Name && span.TraceId == published.TraceParentTraceId());
        Assert.Equal("test-items process", process.DisplayName);
        Assert.Equal(ActivityKind.Consumer, process.Kind);
        Assert.Equal(callSpan, process.ParentSpanId);
        Assert.Equal(published.Id, process.GetTagItem("messaging.message.id"));
        Assert.Equal(TestCatalogue.ItemRenamed, process.GetTagItem("cloudevents.event_type"));
        Assert.Equal(process.Id, followUp.TraceParent);

        meters.ForceFlush();
        Assert.True(Sum(metrics, "marketplace.eventbus.events.handled", TestCatalogue.ItemsTopic, TestCatalogue.ItemRenamed) >= 1);
        await TestBus.WaitUntilAsync(() =>
        {
            metrics.Clear();
            meters.ForceFlush();
            return Task.FromResult(Gauge(metrics, "marketplace.eventbus.consumer.pending", TestCatalogue.ItemsTopic, "renamer") == 0
                && Gauge(metrics, "marketplace.eventbus.consumer.lag", TestCatalogue.ItemsTopic, "renamer") == 0);
        }, "the backlog gauges reported the consumer group's topic");
    }

    [Fact]
    public async Task Through_the_sidecar_the_handler_span_continues_the_publishers_trace_from_the_traceparent_header()
    {
        var spans = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(EventBusTelemetry.Name, Caller.Name).AddInMemoryExporter(spans).Build();
        await using var sidecar = await DaprSidecarStandIn.StartAsync(new DaprSidecarOptions { Redis = redis.ConnectionString });
        var daprMode = new Dictionary<string, string?>(sidecar.AppSettings) { ["EventBus:Transport"] = "Dapr" };
        await using var consumer = await TestBus.StartAsync(redis.ConnectionString, "consumer", daprMode);
        await sidecar.AttachAppAsync(consumer.HttpAddress);
        await using var publisher = await TestBus.StartAsync(redis.ConnectionString, "publisher", daprMode, withHandlers: false);

        CloudEvent published;
        ActivitySpanId callSpan;
        using (var call = Caller.StartActivity("CountSomething", ActivityKind.Server)!)
        {
            callSpan = call.SpanId;
            published = await TestBus.PublishCountedAsync(publisher, "traced", 1);
        }

        await sidecar.WaitUntilAsync(s => s.Deliveries.Any(d => d.EventId == published.Id && d.AppStatus == "SUCCESS"), "the sidecar delivered the event");
        tracing.ForceFlush();

        var process = Assert.Single(spans, span => span.Source.Name == EventBusTelemetry.Name && span.TraceId == published.TraceParentTraceId());
        Assert.Equal(callSpan, process.ParentSpanId);
        Assert.Equal("dapr", process.GetTagItem("messaging.system"));
        Assert.Equal(published.Id, process.GetTagItem("messaging.message.id"));
    }

    [Fact]
    public async Task Retries_and_dead_letters_are_counted_by_topic_and_type()
    {
        var metrics = new List<Metric>();
        using var meters = Sdk.CreateMeterProviderBuilder().AddMeter(EventBusTelemetry.Name).AddInMemoryExporter(metrics).Build();
        await using var consumer = await TestBus.StartAsync(redis.ConnectionString, "consumer", new Dictionary<string, string?> { ["EventBus:MaxAttempts"] = "2" });
        await using var publisher = await TestBus.StartAsync(redis.ConnectionString, "publisher", withHandlers: false);

        await TestBus.PublishCountedAsync(publisher, "flaky", 1);
        // The consumer counts a dead letter just after the script that moved it returns, so the
        // entry can be in the topic a moment before the count: wait for both.
        await TestBus.WaitUntilAsync(async () =>
        {
            if (await Db.StreamLengthOrZeroAsync("consumer.deadletter") != 1)
            {
                return false;
            }

            meters.ForceFlush();
            return Sum(metrics, "marketplace.eventbus.events.dead_lettered", TestCatalogue.CountersTopic, TestCatalogue.Counted) == 1;
        }, "the flaky event was dead-lettered and counted");

        Assert.Equal(1, Sum(metrics, "marketplace.eventbus.events.retried", TestCatalogue.CountersTopic, TestCatalogue.Counted));
        Assert.Equal(1, Sum(metrics, "marketplace.eventbus.events.dead_lettered", TestCatalogue.CountersTopic, TestCatalogue.Counted));
        Assert.Equal(0, Sum(metrics, "marketplace.eventbus.events.handled", TestCatalogue.CountersTopic, TestCatalogue.Counted));
    }

    private static long Sum(List<Metric> metrics, string name, string topic, string type)
    {
        long sum = 0;
        foreach (var metric in metrics.Where(m => m.Name == name))
        {
            foreach (ref readonly var point in metric.GetMetricPoints())
            {
                if (Tag(point, "topic") == topic && Tag(point, "type") == type)
                {
                    sum = Math.Max(sum, point.GetSumLong()); // cumulative: the last export holds the total
                }
            }
        }

        return sum;
    }

    private static long? Gauge(List<Metric> metrics, string name, string topic, string group)
    {
        long? value = null;
        foreach (var metric in metrics.Where(m => m.Name == name))
        {
            foreach (ref readonly var point in metric.GetMetricPoints())
            {
                if (Tag(point, "topic") == topic && Tag(point, "group") == group)
                {
                    value = point.GetGaugeLastValueLong();
                }
            }
        }

        return value;
    }

    private static string? Tag(in MetricPoint point, string key)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == key)
            {
                return tag.Value as string;
            }
        }

        return null;
    }
}

internal static class TraceParentExtensions
{
    /// <summary>The trace id of a W3C <c>traceparent</c> (<c>00-&lt;trace&gt;-&lt;span&gt;-&lt;flags&gt;</c>).</summary>
    public static ActivityTraceId TraceParentTraceId(this CloudEvent e) => ActivityTraceId.CreateFromString(e.TraceParent.AsSpan(3, 32));
}
