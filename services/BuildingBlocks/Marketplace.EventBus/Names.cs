using System.Text.RegularExpressions;

namespace Marketplace.EventBus;

/// <summary>The naming rules of topics, event types and the bus's Redis keys, in one place.</summary>
public static partial class Names
{
    /// <summary>Topic, pub/sub and app names: lowercase letters, digits, '-', '.', '_'.</summary>
    public static bool IsValidName(string name) => name.Length is > 0 and <= 200 && NameRegex().IsMatch(name);

    /// <summary>Event types are <c>&lt;domain&gt;.&lt;event&gt;.v&lt;n&gt;</c>, e.g. <c>orders.order_completed.v1</c>.</summary>
    public static bool IsValidEventType(string type) => type.Length <= 200 && EventTypeRegex().IsMatch(type);

    /// <summary>The app's dead-letter topic: one per consuming app, so an operator finds every poison message of a service in one stream.</summary>
    public static string DeadLetterTopic(string appId) => appId + ".deadletter";

    /// <summary>The app's outbox stream: events committed with state, waiting for the relay.</summary>
    public static string OutboxKey(string appId) => appId + ":outbox";

    /// <summary>
    /// Where the relay parks outbox entries the Dapr sidecar refused for good (InvalidArgument,
    /// NotFound, ...): same fields as the outbox plus <c>error</c>, for an operator to read and re-drive.
    /// </summary>
    public static string OutboxDeadLetterKey(string appId) => appId + ":outbox.deadletter";

    /// <summary>The consumer group of the outbox relay.</summary>
    public const string RelayGroup = "relay";

    /// <summary>The "already done" marker of an operation (a handled event or a client request).</summary>
    public static string DoneKey(string appId, string operation) => appId + ":done:" + operation;

    /// <summary>The operation key of handling one event: CloudEvents ids are unique per source.</summary>
    public static string EventOperation(string source, string id) => "event:" + source + ":" + id;

    /// <summary>HTTP path on which the app receives deliveries of one topic.</summary>
    public static string DeliveryPath(string topic) => "/events/" + topic;

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]*$")]
    private static partial Regex NameRegex();

    [GeneratedRegex("^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+\\.v[1-9][0-9]*$")]
    private static partial Regex EventTypeRegex();
}
