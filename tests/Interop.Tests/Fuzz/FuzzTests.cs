using System.Globalization;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Marketplace.Hosting.Identity;
using Marketplace.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;
using Xunit.Abstractions;

namespace Marketplace.Interop.Tests.Fuzz;

/// <summary>The fuzz run's own platform: four services and a Redis nobody else calls, so any change of state is the run's.</summary>
[CollectionDefinition(Name)]
public sealed class FuzzCollection : ICollectionFixture<FuzzPlatformFixture>
{
    public const string Name = "fuzz";
}

/// <summary>
/// The four services with their time-driven loops quiet during a run (they run once at start, then
/// an hour later): what changes state is then only what calls set off. A loop's work becomes due with
/// time (Messaging publishes a new seller's response statistics on its next sweep), so it could land
/// during any later call and look like that call's doing.
/// </summary>
public sealed class FuzzPlatformFixture : PlatformFixture
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["Orders:TimerSweepIntervalMs"] = "3600000",
        ["Reviews:SweepIntervalMs"] = "3600000",
        ["Messaging:SweepIntervalMs"] = "3600000",
        ["Scoring:EvaluationIntervalMinutes"] = "1440",
    };
}

/// <summary>
/// The platform fuzzes itself (issue 15): seeded random calls to every RPC of every service, as
/// random callers (none, buyer, seller, support, internal) with messages built from the protos
/// (<see cref="MessageFuzzer"/>) or random bytes for a body. Every call must end with a status a
/// client can act on: never UNKNOWN, never INTERNAL for a request that parsed, never a stall past
/// its deadline; a refused call changes nothing in Redis (<see cref="StateDigest"/>); every service
/// is alive and SERVING at the end. <c>FUZZ_REQUESTS</c> (default 1,000) and <c>FUZZ_SEED</c> repeat
/// or lengthen a run (<c>make fuzz N=10000 SEED=7</c>); the report names the seed.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class FuzzTests(FuzzPlatformFixture platform, ITestOutputHelper output)
{
    private static readonly TimeSpan CallDeadline = TimeSpan.FromSeconds(15);

    private static readonly (string Subject, CallerRole? Role)[] Callers =
    [
        ("nobody", null),
        ("fz-buyer-1", CallerRole.Buyer),
        ("fz-buyer-2", CallerRole.Buyer),
        ("fz-seller-1", CallerRole.Seller),
        ("fz-seller-2", CallerRole.Seller),
        ("fz-support", CallerRole.Support),
        ("fz-internal", CallerRole.Internal),
    ];

    [Fact]
    public async Task Random_calls_to_every_rpc_get_an_actionable_status_change_nothing_when_refused_and_kill_nothing()
    {
        int requests = Setting("FUZZ_REQUESTS", 1_000);
        int seed = Setting("FUZZ_SEED", 20261201);
        var random = new Random(seed);
        var knownIds = new List<string>(Callers.Select(c => c.Subject));
        var fuzzer = new MessageFuzzer(random, knownIds);
        var db = platform.Redis.Admin.GetDatabase();
        var targets = PlatformServices.All
            .SelectMany(service => service.Descriptor.Methods.Select(method => (Service: service, Method: method)))
            .ToArray();
        var channels = PlatformServices.All.ToDictionary(s => s.Name, s => GrpcChannel.ForAddress(platform[s.Name].GrpcAddress));
        var report = new FuzzReport(seed);

        await SettledAsync(db, "the platform has started");
        var state = await StateDigest.OfAsync(db);
        for (int i = 0; i < requests; i++)
        {
            var (service, method) = targets[random.Next(targets.Length)];
            var caller = Callers[random.Next(Callers.Length)];
            bool rawBytes = random.Next(8) == 0;
            byte[] body = rawBytes ? fuzzer.Bytes() : fuzzer.Next(method.InputType).ToByteArray();
            bool parsed = Parses(method.InputType, body);
            var headers = new Metadata();
            if (caller.Role is { } role)
            {
                headers.Add("authorization", TestIdentity.Bearer(caller.Subject, role));
            }

            var call = new FuzzCall(i, $"{service.Descriptor.Name}/{method.Name}", caller.Subject, parsed, body);
            StatusCode status;
            string detail;
            try
            {
                byte[] answer = await channels[service.Name].CreateCallInvoker().AsyncUnaryCall(
                    RawMethod(method), null, new CallOptions(headers, DateTime.UtcNow + CallDeadline), body);
                status = StatusCode.OK;
                detail = "";
                CollectIds(method.OutputType.Parser.ParseFrom(answer), knownIds);
            }
            catch (RpcException e)
            {
                status = e.StatusCode;
                detail = e.Status.Detail;
            }

            report.Count(call, status);
            if (status == StatusCode.Unknown || status == StatusCode.DeadlineExceeded || (status == StatusCode.Internal && parsed))
            {
                report.Fail(call, status, detail, "a status the client cannot act on");
            }

            if (status == StatusCode.OK)
            {
                // An accepted call may publish events: let every consumer handle them before the next digest.
                await SettledAsync(db, $"call {i} ({call.Rpc}) was handled");
                state = await StateDigest.OfAsync(db);
            }
            else
            {
                var after = await StateDigest.OfAsync(db);
                if (!after.SameAs(state))
                {
                    report.Fail(call, status, detail, $"refused, yet Redis changed ({state.ChangesTo(after)})");
                    state = after;
                }
            }
        }

        foreach (var service in PlatformServices.All)
        {
            var host = platform[service.Name];
            bool stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested;
            var health = await platform.Health(service.Name).CheckAsync(new HealthCheckRequest());
            report.Alive(service.Name, !stopping && health.Status == HealthCheckResponse.Types.ServingStatus.Serving);
        }

        foreach (var channel in channels.Values)
        {
            channel.Dispose();
        }

        output.WriteLine(report.ToString());
        Console.WriteLine(report.Summary());
        Assert.True(report.Failures.Count == 0 && report.Deaths == 0, report.ToString());
        Assert.Equal(requests, report.Calls);
        Assert.True(report.Accepted > 0, "no fuzzed call was accepted: the run never reached the services' state\n" + report);
    }

    /// <summary>
    /// Everything an accepted call set off has run: every event handled (<see cref="BusSettled"/>) and
    /// Scoring's evaluation of the sellers those events touched (its dirty-seller list is empty).
    /// </summary>
    private static Task SettledAsync(StackExchange.Redis.IDatabase db, string what) => Wait.UntilAsync(
        async () => await RebuildEndedAsync(db) && await BusSettled.IsSettledAsync(db) && await db.HashLengthAsync(Scoring.Store.ScoringKeys.DirtySellers) == 0
            && await BusSettled.IsSettledAsync(db),
        what);

    /// <summary>No Scoring rebuild is running (an accepted RebuildScores works on in the background; its end marks every seller for re-evaluation).</summary>
    private static async Task<bool> RebuildEndedAsync(StackExchange.Redis.IDatabase db) =>
        (string?)await db.HashGetAsync(Scoring.Rebuild.RebuildJob.Key, "state") != Scoring.Rebuild.RebuildJob.Running;

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value > 0
            ? value
            : fallback;

    /// <summary>The RPC with its body as raw bytes, so a body need not be a valid message.</summary>
    private static Method<byte[], byte[]> RawMethod(MethodDescriptor method) =>
        new(MethodType.Unary, method.Service.FullName, method.Name, RawBytes, RawBytes);

    private static readonly Marshaller<byte[]> RawBytes = Marshallers.Create(bytes => bytes, bytes => bytes);

    private static bool Parses(MessageDescriptor type, byte[] body)
    {
        try
        {
            type.Parser.ParseFrom(body);
            return true;
        }
        catch (InvalidProtocolBufferException)
        {
            return false;
        }
    }

    /// <summary>Ids in an accepted call's answer (fields named <c>*_id</c>), so later calls can refer to real state.</summary>
    private static void CollectIds(IMessage message, List<string> ids)
    {
        foreach (var field in message.Descriptor.Fields.InDeclarationOrder())
        {
            if (field.FieldType == FieldType.String && !field.IsRepeated && field.Name.EndsWith("_id", StringComparison.Ordinal)
                && field.Accessor.GetValue(message) is string { Length: > 0 } id && !ids.Contains(id) && ids.Count < 500)
            {
                ids.Add(id);
            }
            else if (field.FieldType == FieldType.Message && !field.IsRepeated && !field.IsMap && field.Accessor.GetValue(message) is IMessage inner)
            {
                CollectIds(inner, ids);
            }
        }
    }
}

/// <summary>One fuzzed call, as the report shows it.</summary>
public sealed record FuzzCall(int Index, string Rpc, string Caller, bool Parsed, byte[] Body)
{
    public override string ToString() =>
        $"#{Index} {Rpc} as {Caller}, {(Parsed ? "parsed" : "unparseable")} body of {Body.Length} bytes: {Convert.ToBase64String(Body.AsSpan(0, Math.Min(Body.Length, 300)))}";
}

/// <summary>What a fuzz run saw: statuses per RPC, failures with the call that caused them, services alive.</summary>
public sealed class FuzzReport(int seed)
{
    private readonly SortedDictionary<string, SortedDictionary<StatusCode, int>> _byRpc = new(StringComparer.Ordinal);
    private readonly SortedDictionary<StatusCode, int> _total = [];
    private readonly List<string> _alive = [];

    public List<string> Failures { get; } = [];

    public int Calls { get; private set; }

    public int Accepted => _total.GetValueOrDefault(StatusCode.OK);

    public int Deaths { get; private set; }

    public void Count(FuzzCall call, StatusCode status)
    {
        Calls++;
        _total[status] = _total.GetValueOrDefault(status) + 1;
        if (!_byRpc.TryGetValue(call.Rpc, out var counts))
        {
            _byRpc[call.Rpc] = counts = [];
        }

        counts[status] = counts.GetValueOrDefault(status) + 1;
    }

    public void Fail(FuzzCall call, StatusCode status, string detail, string why) =>
        Failures.Add($"{why}: {status} \"{(detail.Length > 200 ? detail[..200] + "…" : detail)}\" for {call}");

    public void Alive(string service, bool alive)
    {
        _alive.Add($"{service} {(alive ? "SERVING" : "DEAD")}");
        Deaths += alive ? 0 : 1;
    }

    private int Count(StatusCode status) => _total.GetValueOrDefault(status);

    /// <summary>The one line <c>make fuzz</c> ends with.</summary>
    public string Summary() =>
        $"fuzz seed {seed}: {Calls} calls, {Accepted} accepted; {Count(StatusCode.Unknown)} UNKNOWN, "
        + $"{Failures.Count(f => f.Contains(": Internal ", StringComparison.Ordinal))} INTERNAL on parsed input, "
        + $"{Count(StatusCode.DeadlineExceeded)} past their deadline, {Deaths} deaths, "
        + $"{Failures.Count(f => f.StartsWith("refused, yet", StringComparison.Ordinal))} changed state";

    public override string ToString()
    {
        var text = new StringBuilder(Summary()).AppendLine();
        text.AppendLine("statuses: " + string.Join(", ", _total.Select(p => $"{p.Key} {p.Value}")));
        foreach (var (rpc, counts) in _byRpc)
        {
            text.AppendLine($"  {rpc,-45} " + string.Join(", ", counts.Select(p => $"{p.Key} {p.Value}")));
        }

        text.AppendLine("services: " + string.Join(", ", _alive));
        foreach (var failure in Failures.Take(50))
        {
            text.AppendLine("FAIL " + failure);
        }

        return text.ToString();
    }
}
