using System.Text;
using Marketplace.EventBus.ChildConsumer;
using Marketplace.EventBus.ChildConsumer.Contracts;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
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
    [InlineData("[]", "kind 'Array'")]
    [InlineData("""{"specversion":"0.3","id":"1","source":"s","type":"a.b.v1","time":"2026-01-01T00:00:00Z","data":{}}""", "spec version '0.3'")]
    [InlineData("""{"specversion":"1.0","source":"s","type":"a.b.v1","time":"2026-01-01T00:00:00Z","data":{}}""", "missing required attributes: id")]
    [InlineData("""{"specversion":"1.0","id":"1","type":"a.b.v1","time":"2026-01-01T00:00:00Z","data":{}}""", "missing required attributes: source")]
    [InlineData("""{"specversion":"1.0","id":"1","source":"s","type":"a.b.v1","time":"yesterday","data":{}}""", "attribute 'time'")]
    [InlineData("""{"specversion":"1.0","id":"1","source":"s","type":"a.b.v1","time":"2026-01-01T00:00:00Z","data_base64":"AA=="}""", "data must be a JSON object")]
    [InlineData("""{"specversion":"1.0","id":1,"source":"s","type":"a.b.v1","time":"2026-01-01T00:00:00Z","data":{}}""", "'Number' for CloudEvent attribute 'id'")]
    public void A_malformed_envelope_is_refused_with_the_attribute_named(string json, string named)
    {
        var error = Assert.Throws<MalformedEventException>(() => CloudEvent.Parse(Encoding.UTF8.GetBytes(json)));
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter", error.Message, StringComparison.Ordinal);
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

    private static EventBusOptions Bind(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddEventBusOptions().BuildServiceProvider();
        return services.GetRequiredService<IOptions<EventBusOptions>>().Value;
    }

    [Fact]
    public void Options_default_to_Daprs_values()
    {
        var options = Bind([]);

        Assert.Equal(EventBusTransport.Redis, options.Transport);
        Assert.Equal("pubsub", options.PubSubName);
        Assert.Equal(TimeSpan.FromSeconds(60), options.ProcessingTimeout);
        Assert.Equal(TimeSpan.FromSeconds(15), options.RedeliverInterval);
        Assert.Equal(TimeSpan.FromSeconds(2), options.ReadTimeout);
        Assert.Equal(5, options.MaxAttempts);
        Assert.Equal(TimeSpan.FromDays(7), options.IdempotencyRetention);
        Assert.Equal(EventBusTransport.Dapr, Bind(new() { ["EventBus:Transport"] = "dapr", ["EventBus:MaxAttempts"] = "9" }).Transport);
    }

    [Fact]
    public void A_value_out_of_range_is_reported_with_its_full_key_and_the_configured_text()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Bind(new() { ["EventBus:MaxAttempts"] = "0" }));

        Assert.Equal(["EventBus:MaxAttempts must be a whole number from 1 to 1000 (got '0')."], error.Failures);
    }

    [Fact]
    public void Every_bad_option_is_reported_at_once_with_its_key_even_those_the_binder_cannot_convert()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Bind(new()
        {
            ["EventBus:Transport"] = "Kafka",
            ["EventBus:PubSubName"] = "Pub Sub",
            ["EventBus:MaxAttempts"] = "0",
            ["EventBus:ProcessingTimeoutMs"] = "soon",
            ["EventBus:QueueDepth"] = "-1",
            ["EventBus:ReadTimeoutMs"] = "60000",
        }));

        Assert.Equal(
            [
                "EventBus:Transport must be Redis or Dapr (got 'Kafka').",
                "EventBus:PubSubName must be lowercase letters, digits, '-', '.' or '_' (got 'Pub Sub').",
                "EventBus:ProcessingTimeoutMs must be a whole number from 100 to 86400000 (got 'soon').",
                "EventBus:MaxAttempts must be a whole number from 1 to 1000 (got '0').",
                "EventBus:QueueDepth must be a whole number from 1 to 10000 (got '-1').",
                "EventBus:ReadTimeoutMs must be a whole number from 10 to 30000 (got '60000').",
            ],
            error.Failures);
    }

    [Fact]
    public void A_transport_given_as_a_number_is_refused()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Bind(new() { ["EventBus:Transport"] = "1" }));

        Assert.Equal(["EventBus:Transport must be Redis or Dapr (got '1')."], error.Failures);
    }
}
