using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Google.Protobuf;

namespace Marketplace.EventBus;

/// <summary>
/// A CloudEvents 1.0 envelope as it travels: structured JSON mode, the payload as the proto3
/// JSON mapping of its message in <c>data</c>. <see cref="Data"/> keeps the payload's raw JSON text.
/// </summary>
public sealed record CloudEvent
{
    public const string SpecVersion = "1.0";
    public const string JsonContentType = "application/json";
    public const string MediaType = "application/cloudevents+json";

    public required string Id { get; init; }

    /// <summary>The publishing app id.</summary>
    public required string Source { get; init; }

    /// <summary><c>&lt;domain&gt;.&lt;event&gt;.v&lt;n&gt;</c>.</summary>
    public required string Type { get; init; }

    public required string Topic { get; init; }

    public required string PubSubName { get; init; }

    public required DateTimeOffset Time { get; init; }

    /// <summary>The entity the event is about: an order, gig or seller id.</summary>
    public string? Subject { get; init; }

    public string DataContentType { get; init; } = JsonContentType;

    /// <summary>W3C trace context of the operation that published the event.</summary>
    public required string TraceParent { get; init; }

    public string? TraceState { get; init; }

    /// <summary>The payload's proto3 JSON text.</summary>
    public required string Data { get; init; }

    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(false));
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    /// <summary>A new event with a fresh id, the current time and the current trace (or a new one).</summary>
    public static CloudEvent Create(string source, EventTypeInfo type, string pubSubName, string? subject, IMessage payload, TimeProvider? clock = null)
    {
        if (payload.Descriptor != type.Descriptor)
        {
            throw new ArgumentException(
                $"Event type '{type.Type}' carries {type.Descriptor.FullName}, not {payload.Descriptor.FullName}.", nameof(payload));
        }

        return new CloudEvent
        {
            Id = Guid.NewGuid().ToString(),
            Source = source,
            Type = type.Type,
            Topic = type.Topic,
            PubSubName = pubSubName,
            Time = (clock ?? TimeProvider.System).GetUtcNow(),
            Subject = subject,
            TraceParent = CurrentTraceParent(),
            TraceState = Activity.Current?.TraceStateString,
            Data = Formatter.Format(payload),
        };
    }

    /// <summary>Parses <see cref="Data"/> as the catalogue's message of this type.</summary>
    /// <exception cref="MalformedEventException">The payload does not match the message.</exception>
    public IMessage ReadPayload(EventTypeInfo type)
    {
        try
        {
            return Parser.Parse(Data, type.Descriptor);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new MalformedEventException($"data is not a valid {type.Descriptor.FullName}: {e.Message}", e);
        }
        catch (InvalidJsonException e)
        {
            throw new MalformedEventException($"data is not valid JSON for {type.Descriptor.FullName}: {e.Message}", e);
        }
    }

    /// <summary>The structured-mode JSON bytes (what goes into the stream's <c>data</c> field and the HTTP body).</summary>
    public byte[] ToJsonBytes()
    {
        var buffer = new ArrayBufferWriter<byte>(512 + Data.Length);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("specversion", SpecVersion);
            json.WriteString("id", Id);
            json.WriteString("source", Source);
            json.WriteString("type", Type);
            json.WriteString("topic", Topic);
            json.WriteString("pubsubname", PubSubName);
            json.WriteString("time", Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
            if (Subject is not null)
            {
                json.WriteString("subject", Subject);
            }

            json.WriteString("datacontenttype", DataContentType);
            json.WriteString("traceparent", TraceParent);
            if (TraceState is not null)
            {
                json.WriteString("tracestate", TraceState);
            }

            json.WritePropertyName("data");
            json.WriteRawValue(Data, skipInputValidation: true);
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads structured-mode JSON. Every missing or wrong attribute is named in the error.</summary>
    /// <exception cref="MalformedEventException">The bytes are not a CloudEvent this bus can handle.</exception>
    public static CloudEvent Parse(ReadOnlySpan<byte> json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray());
        }
        catch (JsonException e)
        {
            throw new MalformedEventException("the body is not JSON: " + e.Message, e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new MalformedEventException("a CloudEvent must be a JSON object.");
            }

            string specVersion = RequiredString(root, "specversion");
            if (specVersion != SpecVersion)
            {
                throw new MalformedEventException($"specversion must be '1.0' (got '{specVersion}').");
            }

            string contentType = OptionalString(root, "datacontenttype") ?? JsonContentType;
            if (!contentType.StartsWith(JsonContentType, StringComparison.OrdinalIgnoreCase))
            {
                throw new MalformedEventException($"datacontenttype must be application/json (got '{contentType}').");
            }

            if (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object)
            {
                throw new MalformedEventException("data must be a JSON object (the payload's proto3 JSON mapping).");
            }

            string timeText = RequiredString(root, "time");
            if (!DateTimeOffset.TryParse(timeText, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var time))
            {
                throw new MalformedEventException($"time must be an RFC 3339 timestamp (got '{timeText}').");
            }

            return new CloudEvent
            {
                Id = RequiredString(root, "id"),
                Source = RequiredString(root, "source"),
                Type = RequiredString(root, "type"),
                Topic = OptionalString(root, "topic") ?? "",
                PubSubName = OptionalString(root, "pubsubname") ?? "",
                Time = time,
                Subject = OptionalString(root, "subject"),
                DataContentType = contentType,
                TraceParent = OptionalString(root, "traceparent") ?? "",
                TraceState = OptionalString(root, "tracestate"),
                Data = data.GetRawText(),
            };
        }
    }

    private static string RequiredString(JsonElement root, string name) =>
        OptionalString(root, name) is { Length: > 0 } value
            ? value
            : throw new MalformedEventException($"'{name}' is required and must be a non-empty string.");

    private static string? OptionalString(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new MalformedEventException($"'{name}' must be a string.");
    }

    private static string CurrentTraceParent()
    {
        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C, Id: { } id })
        {
            return id;
        }

        return string.Create(CultureInfo.InvariantCulture, $"00-{ActivityTraceId.CreateRandom().ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
    }
}

/// <summary>An event that can never be handled (bad envelope or payload): it is dropped to the dead-letter topic, not retried.</summary>
public sealed class MalformedEventException(string message, Exception? inner = null) : Exception(message, inner);
