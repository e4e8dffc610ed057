using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Marketplace.Testing.Dapr.Protos;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Marketplace.Testing.Dapr;

/// <summary>Settings of a <see cref="DaprSidecarStandIn"/>.</summary>
public sealed record DaprSidecarOptions
{
    /// <summary>Redis the stand-in publishes to and dead-letters into, in <c>pubsub.redis</c>'s layout (null: neither).</summary>
    public string? Redis { get; init; }

    /// <summary>The one pub/sub component it knows; publishing to another is refused with InvalidArgument, as daprd does.</summary>
    public string PubSubName { get; init; } = "pubsub";

    /// <summary>Deliveries of one event before it goes to the subscription's dead-letter topic (daprd: the resiliency policy).</summary>
    public int MaxDeliveryAttempts { get; init; } = 3;

    /// <summary>Wait before the second delivery; doubled for each further one.</summary>
    public TimeSpan RetryBackoff { get; init; } = TimeSpan.FromMilliseconds(20);
}

/// <summary>A <c>PublishEvent</c> call the stand-in received and how it answered.</summary>
public sealed record SidecarPublish(string PubSubName, string Topic, string DataContentType, byte[] Data, IReadOnlyDictionary<string, string> Metadata, StatusCode Answer);

/// <summary>One delivery attempt to the app: the route chosen, the HTTP status and the <c>status</c> the app answered.</summary>
public sealed record SidecarDelivery(string Topic, string Path, string EventId, int Attempt, int HttpStatus, string? AppStatus);

/// <summary>An event sent to a dead-letter topic (DROP, or out of attempts), or dropped outright (404: <see cref="DeadLetterTopic"/> is null).</summary>
public sealed record SidecarDeadLetter(string Topic, string? DeadLetterTopic, string EventId, byte[] Data, string Reason);

/// <summary>A subscription read from the app's <c>GET /dapr/subscribe</c>.</summary>
public sealed record SidecarSubscription(string PubSubName, string Topic, IReadOnlyList<(string Type, string Path)> Rules, string? DefaultPath, string? DeadLetterTopic);

/// <summary>
/// Stands in for daprd in tests (daprd cannot be installed here). It serves the part of
/// <c>dapr.proto.runtime.v1.Dapr</c> the SDK calls to publish (<c>PublishEvent</c>) over real
/// HTTP/2 on a free 127.0.0.1 port, appends every accepted event to its topic stream in Redis
/// (<c>XADD &lt;topic&gt; * data … metadata {}</c>, as <c>pubsub.redis</c> does), and delivers it to
/// the app it is attached to as daprd does: the route from <c>GET /dapr/subscribe</c> (rules
/// <c>event.type == "…"</c>, else the default), the stored CloudEvent as
/// <c>application/cloudevents+json</c> with the event's <c>traceparent</c> header; SUCCESS (or an
/// empty 2xx) acks; RETRY and other statuses are retried with backoff up to
/// <see cref="DaprSidecarOptions.MaxDeliveryAttempts"/>; DROP and exhausted retries go to the
/// subscription's <c>deadLetterTopic</c> (<c>XADD &lt;deadLetterTopic&gt; * data … metadata {}</c>);
/// 404 drops. Deliveries run concurrently, in no order. Everything it saw is exposed, and
/// <see cref="WaitUntilAsync"/> re-checks a condition each time something happens.
/// </summary>
public sealed class DaprSidecarStandIn : IAsyncDisposable
{
    private readonly WebApplication _server;
    private readonly DaprSidecarOptions _options;
    private readonly ConnectionMultiplexer? _redis;
    // No diagnostics handler (no client activity, no injected trace headers, also not by an
    // OpenTelemetry HttpClient instrumentation a host in the test process registered): like daprd,
    // deliveries carry the event's traceparent and nothing else.
    private readonly HttpClient _http = new(new SocketsHttpHandler { ActivityHeadersPropagator = null })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };
    private readonly CancellationTokenSource _stopping = new();
    private readonly object _gate = new();
    private readonly List<SidecarPublish> _published = [];
    private readonly List<SidecarDelivery> _deliveries = [];
    private readonly List<SidecarDeadLetter> _deadLetters = [];
    private readonly List<Task> _inFlight = [];
    private readonly Queue<StatusCode> _publishFailures = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IReadOnlyList<SidecarSubscription> _subscriptions = [];
    private Uri? _app;

    private DaprSidecarStandIn(WebApplication server, int port, DaprSidecarOptions options, ConnectionMultiplexer? redis)
    {
        _server = server;
        GrpcPort = port;
        _options = options;
        _redis = redis;
    }

    public int GrpcPort { get; }

    /// <summary>What the SDK needs: set as <c>DAPR_GRPC_ENDPOINT</c> in the app's configuration.</summary>
    public string GrpcEndpoint => $"http://127.0.0.1:{GrpcPort}";

    /// <summary>Configuration that points an app's <c>DaprClient</c> at this stand-in.</summary>
    public IReadOnlyDictionary<string, string?> AppSettings => new Dictionary<string, string?> { ["DAPR_GRPC_ENDPOINT"] = GrpcEndpoint };

    public IReadOnlyList<SidecarSubscription> Subscriptions => _subscriptions;

    public IReadOnlyList<SidecarPublish> Published => Snapshot(_published);

    public IReadOnlyList<SidecarDelivery> Deliveries => Snapshot(_deliveries);

    public IReadOnlyList<SidecarDeadLetter> DeadLetters => Snapshot(_deadLetters);

    public static async Task<DaprSidecarStandIn> StartAsync(DaprSidecarOptions? options = null)
    {
        options ??= new DaprSidecarOptions();
        int port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton<Holder>();
        var redis = options.Redis is null ? null : await ConnectionMultiplexer.ConnectAsync(options.Redis);
        var app = builder.Build();
        var sidecar = new DaprSidecarStandIn(app, port, options, redis);
        app.Services.GetRequiredService<Holder>().Sidecar = sidecar;
        app.MapGrpcService<PublishService>();
        await app.StartAsync();
        return sidecar;
    }

    /// <summary>Reads the app's subscriptions (<c>GET /dapr/subscribe</c>); from now on accepted events are delivered to it.</summary>
    public async Task AttachAppAsync(Uri appHttpAddress)
    {
        using var response = await _http.GetAsync(new Uri(appHttpAddress, "/dapr/subscribe"));
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var subscriptions = new List<SidecarSubscription>();
        foreach (var item in json.RootElement.EnumerateArray())
        {
            string pubsub = Text(item, "pubsubName") ?? Text(item, "pubsubname") ?? throw new InvalidOperationException("a subscription without pubsubName: " + item);
            string topic = Text(item, "topic") ?? throw new InvalidOperationException("a subscription without topic: " + item);
            var rules = new List<(string, string)>();
            string? defaultPath = Text(item, "route");
            if (item.TryGetProperty("routes", out var routes))
            {
                defaultPath = Text(routes, "default") ?? defaultPath;
                if (routes.TryGetProperty("rules", out var ruleList))
                {
                    foreach (var rule in ruleList.EnumerateArray())
                    {
                        rules.Add((TypeOf(Text(rule, "match") ?? ""), Text(rule, "path") ?? throw new InvalidOperationException("a rule without path: " + rule)));
                    }
                }
            }

            subscriptions.Add(new SidecarSubscription(pubsub, topic, rules, defaultPath, Text(item, "deadLetterTopic")));
        }

        _app = appHttpAddress;
        _subscriptions = subscriptions;
        Signal();
    }

    /// <summary>Answers the next <c>PublishEvent</c> calls with these status codes (then OK again), e.g. Unavailable (transient) or InvalidArgument (permanent).</summary>
    public void FailNextPublishes(params StatusCode[] codes)
    {
        lock (_gate)
        {
            foreach (var code in codes)
            {
                _publishFailures.Enqueue(code);
            }
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds, re-checking whenever the stand-in records something; fails after a generous timeout naming what was awaited.</summary>
    public async Task WaitUntilAsync(Func<DaprSidecarStandIn, bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(45));
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                changed = _changed.Task;
            }

            if (condition(this))
            {
                return;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException("Timed out waiting until " + what);
            }

            await Task.WhenAny(changed, Task.Delay(left));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        Task[] running;
        lock (_gate)
        {
            running = [.. _inFlight];
        }

        try
        {
            await Task.WhenAll(running);
        }
        catch (OperationCanceledException)
        {
            // Stopped mid-delivery.
        }

        await _server.StopAsync();
        await _server.DisposeAsync();
        _http.Dispose();
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        _stopping.Dispose();
    }

    private async Task<StatusCode> AcceptAsync(PublishEventRequest request)
    {
        StatusCode answer = StatusCode.OK;
        lock (_gate)
        {
            if (_publishFailures.Count > 0)
            {
                answer = _publishFailures.Dequeue();
            }
        }

        if (answer == StatusCode.OK && request.PubsubName != _options.PubSubName)
        {
            answer = StatusCode.InvalidArgument;
        }

        if (answer == StatusCode.OK && string.IsNullOrEmpty(request.Topic))
        {
            answer = StatusCode.InvalidArgument;
        }

        byte[] data = request.Data.ToByteArray();
        Record(_published, new SidecarPublish(request.PubsubName, request.Topic, request.DataContentType, data, request.Metadata.ToDictionary(), answer));
        if (answer != StatusCode.OK)
        {
            return answer;
        }

        if (_redis is not null)
        {
            await _redis.GetDatabase().StreamAddAsync(request.Topic, [new NameValueEntry("data", data), new NameValueEntry("metadata", "{}")]);
        }

        foreach (var subscription in _subscriptions.Where(s => s.PubSubName == request.PubsubName && s.Topic == request.Topic))
        {
            var delivery = Task.Run(() => DeliverAsync(subscription, data, _stopping.Token));
            lock (_gate)
            {
                _inFlight.Add(delivery);
            }
        }

        return answer;
    }

    private async Task DeliverAsync(SidecarSubscription subscription, byte[] data, CancellationToken cancellationToken)
    {
        string id = "?", type = "", traceParent = "", traceState = "";
        try
        {
            using var json = JsonDocument.Parse(data);
            id = Text(json.RootElement, "id") ?? "?";
            type = Text(json.RootElement, "type") ?? "";
            traceParent = Text(json.RootElement, "traceparent") ?? "";
            traceState = Text(json.RootElement, "tracestate") ?? "";
        }
        catch (JsonException)
        {
            // daprd would not have accepted it; deliver the bytes anyway and let the app answer.
        }

        string? path = subscription.Rules.FirstOrDefault(rule => rule.Type == type).Path ?? subscription.DefaultPath;
        if (path is null || _app is null)
        {
            return; // no route matches: daprd acks and drops the event
        }

        path = "/" + path.TrimStart('/');
        string reason = "";
        for (int attempt = 1; attempt <= _options.MaxDeliveryAttempts; attempt++)
        {
            using var content = new ByteArrayContent(data);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/cloudevents+json");
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_app, path)) { Content = content };
            if (traceParent.Length > 0)
            {
                request.Headers.TryAddWithoutValidation("traceparent", traceParent);
            }

            if (traceState.Length > 0)
            {
                request.Headers.TryAddWithoutValidation("tracestate", traceState);
            }

            int status;
            string? appStatus = null;
            try
            {
                using var response = await _http.SendAsync(request, cancellationToken);
                status = (int)response.StatusCode;
                string body = await response.Content.ReadAsStringAsync(cancellationToken);
                if (response.IsSuccessStatusCode && body.Length > 0)
                {
                    using var answer = JsonDocument.Parse(body);
                    appStatus = Text(answer.RootElement, "status");
                }
            }
            catch (HttpRequestException e)
            {
                status = 0;
                reason = e.Message;
            }

            Record(_deliveries, new SidecarDelivery(subscription.Topic, path, id, attempt, status, appStatus));
            if (status == 404)
            {
                Record(_deadLetters, new SidecarDeadLetter(subscription.Topic, null, id, data, "the app answered 404"));
                return;
            }

            if (status is >= 200 and < 300)
            {
                switch (appStatus?.ToUpperInvariant())
                {
                    case null or "" or "SUCCESS":
                        return;
                    case "DROP":
                        await DeadLetterAsync(subscription, id, data, "the app answered DROP");
                        return;
                    case "RETRY":
                        reason = "the app answered RETRY";
                        break;
                    default:
                        reason = $"the app answered an unknown status '{appStatus}'";
                        break;
                }
            }
            else if (status != 0)
            {
                reason = $"the app answered HTTP {status}";
            }

            if (attempt < _options.MaxDeliveryAttempts)
            {
                await Task.Delay(_options.RetryBackoff * Math.Pow(2, attempt - 1), cancellationToken);
            }
        }

        await DeadLetterAsync(subscription, id, data, $"{reason} ({_options.MaxDeliveryAttempts} attempts)");
    }

    private async Task DeadLetterAsync(SidecarSubscription subscription, string id, byte[] data, string reason)
    {
        if (subscription.DeadLetterTopic is { Length: > 0 } deadLetterTopic && _redis is not null)
        {
            await _redis.GetDatabase().StreamAddAsync(deadLetterTopic, [new NameValueEntry("data", data), new NameValueEntry("metadata", "{}")]);
        }

        Record(_deadLetters, new SidecarDeadLetter(subscription.Topic, subscription.DeadLetterTopic, id, data, reason));
    }

    private void Record<T>(List<T> list, T item)
    {
        lock (_gate)
        {
            list.Add(item);
        }

        Signal();
    }

    private void Signal()
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    private List<T> Snapshot<T>(List<T> list)
    {
        lock (_gate)
        {
            return [.. list];
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>The one rule form the platform generates, <c>event.type == "x"</c>; anything else fails loudly.</summary>
    private static string TypeOf(string match)
    {
        const string prefix = "event.type == \"";
        return match.StartsWith(prefix, StringComparison.Ordinal) && match.EndsWith('"') && match.Length > prefix.Length + 1
            ? match[prefix.Length..^1]
            : throw new NotSupportedException($"The stand-in sidecar only evaluates rules of the form event.type == \"<type>\" (got '{match}').");
    }

    /// <summary>Lets the gRPC service reach the stand-in it belongs to.</summary>
    private sealed class Holder
    {
        public DaprSidecarStandIn? Sidecar { get; set; }
    }

    private sealed class PublishService(Holder holder) : Protos.Dapr.DaprBase
    {
        private static readonly Empty Done = new();

        public override async Task<Empty> PublishEvent(PublishEventRequest request, ServerCallContext context)
        {
            var answer = await holder.Sidecar!.AcceptAsync(request);
            return answer == StatusCode.OK
                ? Done
                : throw new RpcException(new Status(answer, $"stand-in sidecar refused publishing to {request.PubsubName}/{request.Topic} ({answer})"));
        }
    }
}
