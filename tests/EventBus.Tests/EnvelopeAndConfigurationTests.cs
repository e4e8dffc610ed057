using System.Text;
using Marketplace.EventBus.ChildConsumer;
using Marketplace.EventBus.ChildConsumer.Contracts;
using Marketplace.Hosting;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace Marketplace.EventBus.Tests;

/// <summary>Pure parts, no I/O: the CloudEvent envelope, the catalogue, the options.</summary>
public sealed class EnvelopeAndConfigurationTests
{
    private static readonly EventCatalogue Catalogue = TestCatalogue.Create();

    [Fact]
    public void A_CloudEvent_survives_its_JSON_form_and_its_payload_reads_back()
    {
        var sent = CloudEvent.Create("orders", Catalogue.Get(TestCatalogue.Counted), "pubsub", "o-1", new Counted { Key = "k", Amount = 42 });

        var read = CloudEvent.Parse(sent.ToJsonBytes());

        Assert.Equal(sent with { Time = read.Time }, read);
        Assert.Equal(sent.Time.UtcDateTime, read.Time.UtcDateTime);
        Assert.Equal(new Counted { Key = "k", Amount = 42 }, read.ReadPayload(Catalogue.Get(TestCatalogue.Counted)));
    }

    [Theory]
    [InlineData("[]", "JSON object")]
    [InlineData("""{"specversion":"0.3","id":"1","source":"s","type":"a.b.v1","time":"2026-01-01T00:00:00Z","data":{}}""", "specversion")]
    [InlineData("""{"specversion":"1.0","source":"s","type":"a.b.v1","time":"2026-01-01T00:00:00Z","data":{}}""", "'id'")]
    [InlineData("""{"specversion":"1.0","id":"1","type":"a.b.v1","time":"2026-01-01T00:00:00Z","data":{}}""", "'source'")]
    [InlineData("""{"specversion":"1.0","id":"1","source":"s","type":"a.b.v1","time":"yesterday","data":{}}""", "time")]
    [InlineData("""{"specversion":"1.0","id":"1","source":"s","type":"a.b.v1","time":"2026-01-01T00:00:00Z","data_base64":"AA=="}""", "data must be a JSON object")]
    [InlineData("""{"specversion":"1.0","id":1,"source":"s","type":"a.b.v1","time":"2026-01-01T00:00:00Z","data":{}}""", "'id' must be a string")]
    public void A_malformed_envelope_is_refused_with_the_attribute_named(string json, string named)
    {
        var error = Assert.Throws<MalformedEventException>(() => CloudEvent.Parse(Encoding.UTF8.GetBytes(json)));
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_payload_that_does_not_match_its_message_is_malformed()
    {
        var envelope = CloudEvent.Parse(Encoding.UTF8.GetBytes(
            """{"specversion":"1.0","id":"1","source":"s","type":"testing.counted.v1","time":"2026-01-01T00:00:00Z","data":{"amount":"many"}}"""));

        var error = Assert.Throws<MalformedEventException>(() => envelope.ReadPayload(Catalogue.Get(TestCatalogue.Counted)));
        Assert.Contains("marketplace.testing.eventbus.v1.Counted", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_catalogue_refuses_bad_names_and_duplicate_types()
    {
        Assert.Contains("Topic", Assert.Throws<ArgumentException>(() => new EventCatalogue().Add("Bad Topic", "a.b.v1", Counted.Parser)).Message, StringComparison.Ordinal);
        Assert.Contains("<domain>.<event>.v<n>", Assert.Throws<ArgumentException>(() => new EventCatalogue().Add("t", "Counted", Counted.Parser)).Message, StringComparison.Ordinal);
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => TestCatalogue.Create().Add("t", TestCatalogue.Counted, Counted.Parser)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Handlers_must_match_the_catalogue()
    {
        var missing = Assert.Throws<InvalidOperationException>(() => new EventHandlerTable(new EventCatalogue(), [new ItemRenamedHandler()]));
        Assert.Contains("not in the event catalogue", missing.Message, StringComparison.Ordinal);
        var twice = Assert.Throws<InvalidOperationException>(() => new EventHandlerTable(Catalogue, [new ItemRenamedHandler(), new ItemRenamedHandler()]));
        Assert.Contains("two handlers", twice.Message, StringComparison.Ordinal);
        var wrongMessage = new EventCatalogue().Add("t", TestCatalogue.ItemRenamed, Counted.Parser);
        Assert.Contains("expects marketplace.testing.eventbus.v1.ItemRenamed", Assert.Throws<InvalidOperationException>(() => new EventHandlerTable(wrongMessage, [new ItemRenamedHandler()])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_default_to_Daprs_values_and_take_the_sidecar_port_from_the_environment()
    {
        var options = EventBusOptions.Read(new ConfigurationBuilder().Build(), "3600");

        Assert.Equal(EventBusTransport.Redis, options.Transport);
        Assert.Equal("pubsub", options.PubSubName);
        Assert.Equal(TimeSpan.FromSeconds(60), options.ProcessingTimeout);
        Assert.Equal(TimeSpan.FromSeconds(15), options.RedeliverInterval);
        Assert.Equal(3600, options.DaprHttpPort);
        Assert.Equal(3500, EventBusOptions.Read(new ConfigurationBuilder().Build(), null).DaprHttpPort);
    }

    [Fact]
    public void Every_bad_option_is_reported_with_its_key()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["EventBus:Transport"] = "Kafka",
            ["EventBus:PubSubName"] = "Pub Sub",
            ["EventBus:MaxAttempts"] = "0",
            ["EventBus:ProcessingTimeoutMs"] = "soon",
            ["EventBus:QueueDepth"] = "-1",
            ["EventBus:ReadTimeoutMs"] = "60000",
        }).Build();

        var error = Assert.Throws<InvalidConfigurationException>(() => EventBusOptions.Read(configuration, "not-a-port"));

        Assert.Equal(7, error.Problems.Count);
        foreach (string key in new[] { "EventBus:Transport", "EventBus:PubSubName", "EventBus:MaxAttempts", "EventBus:ProcessingTimeoutMs", "EventBus:QueueDepth", "EventBus:ReadTimeoutMs", "DAPR_HTTP_PORT" })
        {
            Assert.Contains(error.Problems, problem => problem.StartsWith(key + " ", StringComparison.Ordinal));
        }
    }
}
