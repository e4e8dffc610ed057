using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Marketplace.EventBus;

/// <summary>Which transport carries events between services.</summary>
public enum EventBusTransport
{
    /// <summary>Redis Streams written and read directly, in the layout of Dapr's <c>pubsub.redis</c> component.</summary>
    Redis,

    /// <summary>The Dapr sidecar: publish through <c>DaprClient</c> (gRPC), deliveries over HTTP to <c>/dapr/subscribe</c> routes.</summary>
    Dapr,
}

/// <summary>
/// Settings of the <c>EventBus</c> configuration section, bound with the options pattern
/// (<see cref="EventBusHosting.AddEventBus"/>) and checked by <see cref="EventBusOptionsValidator"/>
/// at start-up. Property names are the configuration keys. Durations are in milliseconds, as in
/// the metadata of Dapr's <c>pubsub.redis</c> component, so one value can be copied between both.
/// </summary>
public sealed record EventBusOptions
{
    public const string Section = "EventBus";

    public EventBusTransport Transport { get; set; } = EventBusTransport.Redis;

    /// <summary>Name of the Dapr pub/sub component (publish calls, <c>pubsubname</c> of CloudEvents and subscriptions).</summary>
    public string PubSubName { get; set; } = "pubsub";

    /// <summary>
    /// Approximate cap of every topic and dead-letter stream (<c>XADD MAXLEN ~ N</c>); 0 keeps all
    /// entries. Sized so that Scoring can be replayed from the topics over its evaluation period
    /// (730 days) at up to about 1,100 orders a day (docs/scoring.md "Topic retention"): about 3.7 GB
    /// of Redis memory per full topic.
    /// </summary>
    public long MaxLenApprox { get; set; } = 5_000_000;

    /// <summary>A delivered, unacknowledged entry idle for this long is claimed and handled again.</summary>
    public long ProcessingTimeoutMs { get; set; } = 60_000;

    /// <summary>How often pending entries are checked for <see cref="ProcessingTimeoutMs"/>.</summary>
    public long RedeliverIntervalMs { get; set; } = 15_000;

    /// <summary>Deliveries of one entry before it goes to the dead-letter topic.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>
    /// Entries read per <c>XREADGROUP</c> (its COUNT). With <see cref="Workers"/>: 400 and 32 ingested
    /// 24 % more events per second than 100 and 8 in Scoring, at 25 % less CPU per event (docs/scale.md).
    /// </summary>
    public int QueueDepth { get; set; } = 400;

    /// <summary>How long one <c>XREADGROUP</c> blocks (its BLOCK).</summary>
    public long ReadTimeoutMs { get; set; } = 2_000;

    /// <summary>Lanes of one batch handled at the same time (a lane: the batch's entries of one subject, one after the other).</summary>
    public int Workers { get; set; } = 32;

    /// <summary>How long "already done" markers of events and requests are kept.</summary>
    public long IdempotencyRetentionHours { get; set; } = 168;

    public TimeSpan ProcessingTimeout => TimeSpan.FromMilliseconds(ProcessingTimeoutMs);

    public TimeSpan RedeliverInterval => TimeSpan.FromMilliseconds(RedeliverIntervalMs);

    public TimeSpan ReadTimeout => TimeSpan.FromMilliseconds(ReadTimeoutMs);

    public TimeSpan IdempotencyRetention => TimeSpan.FromHours(IdempotencyRetentionHours);
}

/// <summary>
/// Checks the <c>EventBus</c> section. Every problem names its full key and the text that was
/// configured, e.g. <c>EventBus:MaxAttempts must be a whole number from 1 to 1000 (got '0').</c>
/// The raw text is read from configuration so that a value the binder could not convert is
/// reported the same way as one out of range.
/// </summary>
public sealed class EventBusOptionsValidator(IConfiguration configuration) : IValidateOptions<EventBusOptions>
{
    private const long Day = 24L * 3600 * 1000;

    public ValidateOptionsResult Validate(string? name, EventBusOptions options)
    {
        var problems = Problems(configuration.GetSection(EventBusOptions.Section), options);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    /// <summary>Every problem of <paramref name="section"/>; keys that are not configured are checked on <paramref name="options"/>.</summary>
    public static List<string> Problems(IConfigurationSection section, EventBusOptions options)
    {
        var problems = new List<string>();
        string Key(string key) => $"{EventBusOptions.Section}:{key}";

        if (section["Transport"] is { Length: > 0 } transport
            && (!Enum.TryParse<EventBusTransport>(transport, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed) || char.IsDigit(transport[0])))
        {
            problems.Add($"{Key("Transport")} must be Redis or Dapr (got '{transport}').");
        }

        string pubSub = section["PubSubName"] is { Length: > 0 } configured ? configured : options.PubSubName;
        if (!Names.IsValidName(pubSub))
        {
            problems.Add($"{Key("PubSubName")} must be lowercase letters, digits, '-', '.' or '_' (got '{pubSub}').");
        }

        Number("MaxLenApprox", options.MaxLenApprox, 0, long.MaxValue);
        Number("ProcessingTimeoutMs", options.ProcessingTimeoutMs, 100, Day);
        Number("RedeliverIntervalMs", options.RedeliverIntervalMs, 50, Day);
        Number("MaxAttempts", options.MaxAttempts, 1, 1000);
        Number("QueueDepth", options.QueueDepth, 1, 10_000);
        Number("ReadTimeoutMs", options.ReadTimeoutMs, 10, 30_000);
        Number("Workers", options.Workers, 1, 1000);
        Number("IdempotencyRetentionHours", options.IdempotencyRetentionHours, 1, 24 * 3650);
        return problems;

        void Number(string key, long bound, long min, long max)
        {
            string? text = section[key];
            long value = bound;
            if (!string.IsNullOrEmpty(text) && !long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value))
            {
                value = long.MinValue;
            }

            if (value < min || value > max)
            {
                string got = string.IsNullOrEmpty(text) ? bound.ToString(CultureInfo.InvariantCulture) : text;
                problems.Add($"{Key(key)} must be a whole number from {min} to {max} (got '{got}').");
            }
        }
    }
}

/// <summary>
/// Creates <see cref="EventBusOptions"/> like the default factory, except that a value the
/// configuration binder cannot convert (text for a number, an unknown transport) becomes an
/// <see cref="OptionsValidationException"/> listing every problem of the section, instead of
/// the binder's <see cref="InvalidOperationException"/> about the first one.
/// </summary>
internal sealed class EventBusOptionsFactory(
    IEnumerable<IConfigureOptions<EventBusOptions>> setups,
    IEnumerable<IPostConfigureOptions<EventBusOptions>> postConfigures,
    IEnumerable<IValidateOptions<EventBusOptions>> validations,
    IConfiguration configuration) : IOptionsFactory<EventBusOptions>
{
    private readonly OptionsFactory<EventBusOptions> _inner = new(setups, postConfigures, validations);

    public EventBusOptions Create(string name)
    {
        try
        {
            return _inner.Create(name);
        }
        catch (InvalidOperationException e)
        {
            var problems = EventBusOptionsValidator.Problems(configuration.GetSection(EventBusOptions.Section), new EventBusOptions());
            throw new OptionsValidationException(name, typeof(EventBusOptions), problems.Count > 0 ? problems : [e.Message]);
        }
    }
}
