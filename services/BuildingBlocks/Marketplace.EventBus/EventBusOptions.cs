using System.Globalization;
using Marketplace.Hosting;
using Microsoft.Extensions.Configuration;

namespace Marketplace.EventBus;

/// <summary>Which transport carries events between services.</summary>
public enum EventBusTransport
{
    /// <summary>Redis Streams written and read directly, in the layout of Dapr's <c>pubsub.redis</c> component.</summary>
    Redis,

    /// <summary>The Dapr sidecar's HTTP API (publish endpoint, <c>/dapr/subscribe</c>, HTTP deliveries).</summary>
    Dapr,
}

/// <summary>
/// Settings of the <c>EventBus</c> configuration section. Durations are in milliseconds, as in
/// the metadata of Dapr's <c>pubsub.redis</c> component, so one value can be copied between both.
/// </summary>
public sealed record EventBusOptions
{
    public const string Section = "EventBus";

    public EventBusTransport Transport { get; init; } = EventBusTransport.Redis;

    /// <summary>Name of the Dapr pub/sub component (publish URL, <c>pubsubname</c> of CloudEvents and subscriptions).</summary>
    public string PubSubName { get; init; } = "pubsub";

    /// <summary>Approximate cap of every topic stream (<c>XADD MAXLEN ~ N</c>); 0 keeps all entries.</summary>
    public long MaxLenApprox { get; init; } = 1_000_000;

    /// <summary>A delivered, unacknowledged entry idle for this long is claimed and handled again.</summary>
    public TimeSpan ProcessingTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How often pending entries are checked for <see cref="ProcessingTimeout"/>.</summary>
    public TimeSpan RedeliverInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Deliveries of one entry before it goes to the dead-letter topic.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>Entries read per <c>XREADGROUP</c> (its COUNT).</summary>
    public int QueueDepth { get; init; } = 100;

    /// <summary>How long one <c>XREADGROUP</c> blocks (its BLOCK).</summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Entries of one batch handled at the same time.</summary>
    public int Workers { get; init; } = 8;

    /// <summary>How long "already done" markers of events and requests are kept.</summary>
    public TimeSpan IdempotencyRetention { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Port of the Dapr sidecar's HTTP API (default: <c>DAPR_HTTP_PORT</c>, else 3500).</summary>
    public int DaprHttpPort { get; init; } = 3500;

    /// <summary>
    /// Reads and validates the section; every problem names its key. <paramref name="environmentDaprPort"/>
    /// is the value of <c>DAPR_HTTP_PORT</c>, used when <c>EventBus:DaprHttpPort</c> is not set.
    /// </summary>
    public static EventBusOptions Read(IConfiguration configuration, string? environmentDaprPort)
    {
        var section = configuration.GetSection(Section);
        var errors = new List<string>();

        var transport = EventBusTransport.Redis;
        if (section["Transport"] is { Length: > 0 } transportText
            && !Enum.TryParse(transportText, ignoreCase: true, out transport))
        {
            errors.Add($"{Section}:Transport must be Redis or Dapr (got '{transportText}').");
        }

        string pubSubName = section["PubSubName"] is { Length: > 0 } name ? name : "pubsub";
        if (!Names.IsValidName(pubSubName))
        {
            errors.Add($"{Section}:PubSubName must be lowercase letters, digits, '-', '.' or '_' (got '{pubSubName}').");
        }

        long maxLen = ReadNumber(section, "MaxLenApprox", 1_000_000, 0, long.MaxValue, errors);
        var processingTimeout = ReadMilliseconds(section, "ProcessingTimeoutMs", 60_000, 100, errors);
        var redeliverInterval = ReadMilliseconds(section, "RedeliverIntervalMs", 15_000, 50, errors);
        int maxAttempts = (int)ReadNumber(section, "MaxAttempts", 5, 1, 1000, errors);
        int queueDepth = (int)ReadNumber(section, "QueueDepth", 100, 1, 10_000, errors);
        var readTimeout = ReadMilliseconds(section, "ReadTimeoutMs", 2_000, 10, errors);
        if (readTimeout > TimeSpan.FromSeconds(30))
        {
            errors.Add($"{Section}:ReadTimeoutMs must be at most 30000 (got '{section["ReadTimeoutMs"]}').");
        }

        int workers = (int)ReadNumber(section, "Workers", 8, 1, 1000, errors);
        long retentionHours = ReadNumber(section, "IdempotencyRetentionHours", 168, 1, 24 * 3650, errors);

        int daprPort = 3500;
        string daprKey = $"{Section}:DaprHttpPort";
        string? daprText = section["DaprHttpPort"];
        if (string.IsNullOrEmpty(daprText) && !string.IsNullOrEmpty(environmentDaprPort))
        {
            daprText = environmentDaprPort;
            daprKey = "DAPR_HTTP_PORT";
        }

        if (!string.IsNullOrEmpty(daprText))
        {
            if (!int.TryParse(daprText, NumberStyles.None, CultureInfo.InvariantCulture, out daprPort) || daprPort is < 1 or > 65535)
            {
                errors.Add($"{daprKey} must be a port number from 1 to 65535 (got '{daprText}').");
            }
        }

        if (errors.Count > 0)
        {
            throw new InvalidConfigurationException(errors);
        }

        return new EventBusOptions
        {
            Transport = transport,
            PubSubName = pubSubName,
            MaxLenApprox = maxLen,
            ProcessingTimeout = processingTimeout,
            RedeliverInterval = redeliverInterval,
            MaxAttempts = maxAttempts,
            QueueDepth = queueDepth,
            ReadTimeout = readTimeout,
            Workers = workers,
            IdempotencyRetention = TimeSpan.FromHours(retentionHours),
            DaprHttpPort = daprPort,
        };
    }

    private static TimeSpan ReadMilliseconds(IConfigurationSection section, string key, long fallback, long min, List<string> errors) =>
        TimeSpan.FromMilliseconds(ReadNumber(section, key, fallback, min, 24L * 3600 * 1000, errors));

    private static long ReadNumber(IConfigurationSection section, string key, long fallback, long min, long max, List<string> errors)
    {
        string? text = section[key];
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value) || value < min || value > max)
        {
            errors.Add($"{Section}:{key} must be a whole number from {min} to {max} (got '{text}').");
            return fallback;
        }

        return value;
    }
}
