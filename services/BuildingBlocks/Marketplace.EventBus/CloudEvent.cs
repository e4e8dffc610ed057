using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net.Mime;
using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;
using Google.Protobuf;
using SdkCloudEvent = CloudNative.CloudEvents.CloudEvent;

namespace Marketplace.EventBus;

/// <summary>
/// A CloudEvents 1.0 envelope as it travels: structured JSON mode, the payload as the proto3
/// JSON mapping of its message in <c>data</c>, plus the attributes Dapr adds (<c>topic</c>,
/// <c>pubsubname</c>, <c>traceparent</c>, <c>tracestate</c>). Reading and writing the JSON is done
/// by the CloudEvents SDK (<c>CloudNative.CloudEvents.SystemTextJson</c>); this type adds the
/// bus's rules on top (time and a JSON-object <c>data</c> required) and keeps <see cref="Data"/>
/// as the payload's raw JSON text.
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

    /// <summary>The extension attributes Dapr puts on every event it publishes.</summary>
    private static readonly CloudEventAttribute TopicAttribute = CloudEventAttribute.CreateExtension("topic", CloudEventAttributeType.String);
    private static readonly CloudEventAttribute PubSubNameAttribute = CloudEventAttribute.CreateExtension("pubsubname", CloudEventAttributeType.String);
    private static readonly CloudEventAttribute TraceParentAttribute = CloudEventAttribute.CreateExtension("traceparent", CloudEventAttributeType.String);
    private static readonly CloudEventAttribute TraceStateAttribute = CloudEventAttribute.CreateExtension("tracestate", CloudEventAttributeType.String);
    private static readonly CloudEventAttribute[] DaprAttributes = [TopicAttribute, PubSubNameAttribute, TraceParentAttribute, TraceStateAttribute];
    private static readonly ContentType StructuredContentType = new(MediaType);

    private static readonly JsonEventFormatter EnvelopeFormatter = new();
    private static readonly JsonFormatter PayloadFormatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(false));
    private static readonly JsonParser PayloadParser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

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
            Data = Compact(PayloadFormatter.Format(payload)),
        };
    }

    /// <summary>The payload JSON as the envelope writer writes it (no insignificant whitespace), so an event equals itself read back.</summary>
    private static string Compact(string json)
    {
        using var document = JsonDocument.Parse(json);
        var buffer = new ArrayBufferWriter<byte>(json.Length);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            document.RootElement.WriteTo(writer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Parses <see cref="Data"/> as the catalogue's message of this type.</summary>
    /// <exception cref="MalformedEventException">The payload does not match the message.</exception>
    public IMessage ReadPayload(EventTypeInfo type)
    {
        try
        {
            return PayloadParser.Parse(Data, type.Descriptor);
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

    /// <summary>The structured-mode JSON bytes (what goes into the stream's <c>data</c> field and to the sidecar).</summary>
    public byte[] ToJsonBytes()
    {
        using var data = JsonDocument.Parse(Data);
        var envelope = new SdkCloudEvent(CloudEventsSpecVersion.V1_0, DaprAttributes)
        {
            Id = Id,
            Source = new Uri(Source, UriKind.RelativeOrAbsolute),
            Type = Type,
            Time = Time,
            Subject = Subject,
            DataContentType = DataContentType,
            Data = data.RootElement,
        };
        envelope[TopicAttribute] = Topic;
        envelope[PubSubNameAttribute] = PubSubName;
        envelope[TraceParentAttribute] = TraceParent;
        if (TraceState is not null)
        {
            envelope[TraceStateAttribute] = TraceState;
        }

        return EnvelopeFormatter.EncodeStructuredModeMessage(envelope, out _).ToArray();
    }

    /// <summary>Reads structured-mode JSON. Every missing or wrong attribute is named in the error.</summary>
    /// <exception cref="MalformedEventException">The bytes are not a CloudEvent this bus can handle.</exception>
    public static CloudEvent Parse(ReadOnlySpan<byte> json)
    {
        SdkCloudEvent envelope;
        try
        {
            envelope = EnvelopeFormatter.DecodeStructuredModeMessage(json.ToArray(), StructuredContentType, DaprAttributes);
        }
        catch (JsonException e)
        {
            throw new MalformedEventException("the body is not JSON: " + e.Message, e);
        }
        catch (ArgumentException e)
        {
            // The SDK names the attribute; drop the "(Parameter 'data')" its ArgumentException adds.
            string message = e.ParamName is { } parameter ? e.Message.Replace($" (Parameter '{parameter}')", "", StringComparison.Ordinal) : e.Message;
            throw new MalformedEventException(message, e);
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            throw new MalformedEventException(e.Message, e);
        }

        return FromSdk(envelope);
    }

    /// <summary>
    /// Rebuilds an event from attributes delivered beside its payload (Dapr's <c>UseCloudEvents</c>
    /// unwraps the body and forwards attributes as headers), with the same checks as <see cref="Parse"/>.
    /// </summary>
    /// <exception cref="MalformedEventException">A missing or wrong attribute, or a payload that is not a JSON object.</exception>
    public static CloudEvent FromAttributes(IReadOnlyDictionary<string, string> attributes, ReadOnlySpan<byte> data, string? dataContentType)
    {
        var buffer = new ArrayBufferWriter<byte>(512 + data.Length);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            foreach (var (name, value) in attributes)
            {
                json.WriteString(name, value);
            }

            if (dataContentType is not null)
            {
                json.WriteString("datacontenttype", dataContentType);
            }

            if (data.Length > 0)
            {
                json.WritePropertyName("data");
                try
                {
                    using var document = JsonDocument.Parse(data.ToArray());
                    document.RootElement.WriteTo(json);
                }
                catch (JsonException e)
                {
                    throw new MalformedEventException("data must be a JSON object (the payload's proto3 JSON mapping): " + e.Message, e);
                }
            }

            json.WriteEndObject();
        }

        return Parse(buffer.WrittenSpan);
    }

    private static CloudEvent FromSdk(SdkCloudEvent envelope)
    {
        string contentType = envelope.DataContentType ?? JsonContentType;
        if (!contentType.StartsWith(JsonContentType, StringComparison.OrdinalIgnoreCase))
        {
            throw new MalformedEventException($"datacontenttype must be application/json (got '{contentType}').");
        }

        if (envelope.Data is not JsonElement { ValueKind: JsonValueKind.Object } data)
        {
            throw new MalformedEventException("data must be a JSON object (the payload's proto3 JSON mapping).");
        }

        if (envelope.Time is not { } time)
        {
            throw new MalformedEventException("'time' is required (an RFC 3339 timestamp).");
        }

        return new CloudEvent
        {
            Id = envelope.Id!,
            Source = envelope.Source!.OriginalString,
            Type = envelope.Type!,
            Topic = envelope[TopicAttribute] as string ?? "",
            PubSubName = envelope[PubSubNameAttribute] as string ?? "",
            Time = time,
            Subject = envelope.Subject,
            DataContentType = contentType,
            TraceParent = envelope[TraceParentAttribute] as string ?? "",
            TraceState = envelope[TraceStateAttribute] as string,
            Data = data.GetRawText(),
        };
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
