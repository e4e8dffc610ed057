using System.Diagnostics;
using System.Globalization;
using Marketplace.EventBus.ChildConsumer;
using Marketplace.Testing;
using StackExchange.Redis;
using Xunit;

namespace Marketplace.EventBus.Tests;

/// <summary>
/// A consumer stopped mid-batch (cancelled in-process, or SIGKILLed as a child process) leaves
/// entries delivered but unacknowledged, some with their effect already committed; a new
/// consumer reclaims them and every event ends up with its effect exactly once.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class ConsumerCrashTests(RedisFixture redis) : IAsyncLifetime
{
    private const int Events = 60;

    public Task InitializeAsync() => redis.FlushAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private IDatabase Db => redis.Server.Admin.GetDatabase();

    /// <summary>One batch holds every event and takes seconds, so the stop always lands mid-batch, before any ack.</summary>
    private static Dictionary<string, string?> SlowConsumer() => new()
    {
        ["Child:DelayMs"] = "250",
        ["EventBus:Workers"] = "2",
        ["EventBus:QueueDepth"] = Events.ToString(CultureInfo.InvariantCulture),
    };

    [Fact]
    public async Task A_consumer_cancelled_mid_batch_without_ack_loses_and_doubles_nothing()
    {
        var published = await PublishAsync();
        await using (var first = await TestBus.StartAsync(redis.ConnectionString, "consumer", SlowConsumer()))
        {
            await TestBus.WaitUntilAsync(async () => await TestBus.EffectsCountAsync(Db) >= 6, "the first consumer handled a few events");
        }

        long handledBeforeStop = await TestBus.EffectsCountAsync(Db);
        long pendingAfterStop = await TestBus.PendingCountAsync(Db, TestCatalogue.CountersTopic, "consumer");
        Assert.InRange(handledBeforeStop, 6, Events - 1);
        Assert.Equal(Events, pendingAfterStop);

        await using var second = await TestBus.StartAsync(redis.ConnectionString, "consumer");
        await AssertEveryEffectExactlyOnceAsync(published, "consumer");
    }

    [Fact]
    public async Task A_consumer_process_killed_with_SIGKILL_mid_batch_loses_and_doubles_nothing()
    {
        var published = await PublishAsync();
        using (var child = StartChild(SlowConsumer()))
        {
            try
            {
                await TestBus.WaitUntilAsync(async () => await TestBus.EffectsCountAsync(Db) >= 10, "the child consumer handled a few events", TimeSpan.FromSeconds(90));
                Signals.Send(child, Signals.SigKill);
                await child.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }
            finally
            {
                if (!child.HasExited)
                {
                    child.Kill();
                }
            }

            Assert.Equal(128 + Signals.SigKill, child.ExitCode);
        }

        long handledBeforeKill = await TestBus.EffectsCountAsync(Db);
        Assert.InRange(handledBeforeKill, 10, Events - 1);
        Assert.Equal(Events, await TestBus.PendingCountAsync(Db, TestCatalogue.CountersTopic, "child-consumer"));

        await using var replacement = await TestBus.StartAsync(redis.ConnectionString, "child-consumer");
        await AssertEveryEffectExactlyOnceAsync(published, "child-consumer");
    }

    private async Task<List<CloudEvent>> PublishAsync()
    {
        await using var publisher = await TestBus.StartAsync(redis.ConnectionString, "publisher", withHandlers: false);
        var published = new List<CloudEvent>();
        for (int i = 1; i <= Events; i++)
        {
            published.Add(await TestBus.PublishCountedAsync(publisher, "crash", i));
        }

        await TestBus.WaitUntilAsync(async () => await Db.StreamLengthOrZeroAsync(TestCatalogue.CountersTopic) == Events, "every event reached the topic");
        return published;
    }

    private async Task AssertEveryEffectExactlyOnceAsync(List<CloudEvent> published, string group)
    {
        await TestBus.WaitUntilAsync(async () => await TestBus.EffectsCountAsync(Db) == Events, "every event had its effect", TimeSpan.FromSeconds(60));
        await TestBus.WaitUntilAsync(async () => await TestBus.PendingCountAsync(Db, TestCatalogue.CountersTopic, group) == 0, "every entry was acknowledged", TimeSpan.FromSeconds(60));

        var effects = await Db.HashGetAllAsync(CountedHandler.EffectsKey);
        Assert.Equal(published.Select(e => e.Id).Order(), effects.Select(e => (string)e.Name!).Order());
        Assert.All(effects, effect => Assert.Equal(1, (long)effect.Value));
        Assert.Equal(Events * (Events + 1) / 2, (long)await Db.HashGetAsync(CountedHandler.CounterKey("crash"), "total"));
    }

    [Fact]
    public async Task The_consumer_process_refuses_to_start_with_a_bad_event_bus_setting_and_names_the_key()
    {
        var output = new System.Text.StringBuilder();
        using var child = StartChild(new Dictionary<string, string?> { ["EventBus:Transport"] = "Kafka" }, output);
        try
        {
            await child.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill();
            }
        }

        Assert.Equal(2, child.ExitCode);
        lock (output)
        {
            Assert.Contains("EventBus:Transport must be Redis or Dapr (got 'Kafka')", output.ToString(), StringComparison.Ordinal);
        }
    }

    private Process StartChild(Dictionary<string, string?> settings, System.Text.StringBuilder? output = null)
    {
        string dll = Path.Combine(RepoPaths.Root, "tests", "EventBus.ChildConsumer", "bin", RepoPaths.Configuration, "net10.0", "EventBus.ChildConsumer.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Platform__BindAddress"] = "127.0.0.1";
        start.Environment["Platform__GrpcPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        start.Environment["Platform__HttpPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        start.Environment["Platform__Redis"] = redis.ConnectionString;
        start.Environment["Identity__SigningKey"] = TestIdentity.SigningKey;
        foreach (var (key, value) in TestBus.FastSettings().Concat(settings))
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("the child consumer did not start");
        void Append(string? line)
        {
            if (output is not null && line is not null)
            {
                lock (output)
                {
                    output.AppendLine(line);
                }
            }
        }

        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
