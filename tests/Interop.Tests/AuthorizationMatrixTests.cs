using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Marketplace.Contracts.Orders.V1;
using Xunit;

namespace Marketplace.Interop.Tests;

/// <summary>The RPCs of protos/ as the generated code declares them, and calls to any of them built from its descriptor.</summary>
public static class AuthorizationMatrix
{
    private static readonly ConcurrentDictionary<MethodDescriptor, Method<IMessage, IMessage>> Methods = new();

    /// <summary>
    /// Every RPC of every service compiled from protos/ into Marketplace.Contracts: each generated
    /// service class carries a static <c>Descriptor</c> of type <see cref="ServiceDescriptor"/>.
    /// </summary>
    public static IReadOnlyList<MethodDescriptor> Rpcs { get; } = typeof(OrdersService).Assembly.GetTypes()
        .Select(type => type.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static))
        .Where(property => property?.PropertyType == typeof(ServiceDescriptor))
        .Select(property => (ServiceDescriptor)property!.GetValue(null)!)
        .SelectMany(service => service.Methods)
        .ToList();

    /// <summary>The matrix's name of an RPC: <c>Service/Method</c>.</summary>
    public static string Key(MethodDescriptor method) => $"{method.Service.Name}/{method.Name}";

    /// <summary>One unary call of <paramref name="method"/>: OK, or the status it was refused with.</summary>
    public static async Task<(StatusCode Code, string Detail)> CallAsync(CallInvoker invoker, MethodDescriptor method, IMessage request, Metadata headers)
    {
        var call = Methods.GetOrAdd(method, m => new Method<IMessage, IMessage>(MethodType.Unary, m.Service.FullName, m.Name,
            Marshallers.Create<IMessage>(r => r.ToByteArray(), bytes => m.InputType.Parser.ParseFrom(bytes)),
            Marshallers.Create<IMessage>(r => r.ToByteArray(), bytes => m.OutputType.Parser.ParseFrom(bytes))));
        try
        {
            await invoker.AsyncUnaryCall(call, null, new CallOptions(headers, DateTime.UtcNow.AddSeconds(30)), request);
            return (StatusCode.OK, "");
        }
        catch (RpcException e)
        {
            return (e.StatusCode, e.Status.Detail);
        }
    }
}

/// <summary>
/// Issue 15's authorization matrix: every RPC of protos/ called over real gRPC by every kind of
/// caller (no token, malformed, wrong key, expired, <c>alg: none</c>, the entity's buyer and seller,
/// another seller and buyer, support, internal, and the same callers naming an unknown id), each
/// answer checked against its cell in docs/authorization.md (<see cref="AuthorizationTable"/>). The
/// entities are set up once (<see cref="AuthorizationWorld"/>); each row's calls run concurrently.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class AuthorizationMatrixTests(PlatformFixture platform)
{
    private static readonly ConditionalWeakTable<PlatformFixture, Task<AuthorizationWorld>> Worlds = new();

    private static readonly Lazy<AuthorizationTable> Table = new(AuthorizationTable.Load);

    public static TheoryData<string> Rpcs => new(AuthorizationMatrix.Rpcs.Select(AuthorizationMatrix.Key));

    private Task<AuthorizationWorld> World => Worlds.GetValue(platform, AuthorizationWorld.BuildAsync);

    [Fact]
    public void The_table_has_one_row_per_RPC_of_the_protos_and_no_other()
    {
        var rpcs = AuthorizationMatrix.Rpcs.Select(AuthorizationMatrix.Key).ToList();

        Assert.Equal(rpcs.Count, rpcs.Distinct().Count());
        Assert.Contains("OrdersService/PlaceOrder", rpcs);
        Assert.Contains("ScoringService/RunEvaluation", rpcs);
        Assert.All(PlatformServices.All, service => Assert.Contains(service.Descriptor.Methods, m => rpcs.Contains(AuthorizationMatrix.Key(m))));
        Assert.Empty(rpcs.Where(rpc => Table.Value.Row(rpc) is null).Select(rpc => $"{rpc} has no row in {AuthorizationTable.Path}"));
        Assert.Empty(Table.Value.Rpcs.Where(rpc => !rpcs.Contains(rpc)).Select(rpc => $"row {rpc} names no RPC of protos/"));
    }

    [Fact]
    public void The_table_refuses_a_cell_that_is_neither_a_status_nor_allowed_nor_a_dash()
    {
        string header = "| rpc | " + string.Join(" | ", MatrixColumn.All.Select(c => c.Header)) + " | rule |";
        string separator = "|" + string.Concat(Enumerable.Repeat(" --- |", MatrixColumn.All.Count + 2));
        string Row(string cell) => "| `S/M` | " + string.Join(" | ", MatrixColumn.All.Select((_, i) => i == 5 ? cell : "OK")) + " | r |";

        var parsed = AuthorizationTable.Parse([header, separator, Row("PERMISSION_DENIED")]);
        var refused = Assert.Throws<FormatException>(() => AuthorizationTable.Parse([header, separator, Row("denied")]));

        Assert.Equal(StatusCode.PermissionDenied, parsed.Row("S/M")![MatrixColumn.All[5]].Status);
        Assert.Contains("'denied' is not a cell", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Rpcs))]
    public async Task Every_caller_gets_the_answer_its_cell_says(string rpc)
    {
        var row = Table.Value.Row(rpc) ?? throw new Xunit.Sdk.XunitException($"{rpc} has no row in {AuthorizationTable.Path}: add one");
        var method = AuthorizationMatrix.Rpcs.Single(m => AuthorizationMatrix.Key(m) == rpc);
        Assert.True(method is { IsClientStreaming: false, IsServerStreaming: false }, $"{rpc} streams; the matrix calls unary RPCs only");
        var service = PlatformServices.All.SingleOrDefault(s => s.Descriptor.FullName == method.Service.FullName)
            ?? throw new Xunit.Sdk.XunitException($"no service of the platform fixture serves {method.Service.FullName}");
        var world = await World;
        var request = world.Request(rpc) ?? throw new Xunit.Sdk.XunitException($"the matrix has no request for {rpc}: add one in {nameof(AuthorizationWorld)}");
        var invoker = platform.Invoker(service.Name);
        var callers = world.Callers;
        string unknown = callers.Unknown;

        var calls = new List<(MatrixColumn Column, string What, string EntityId, Task<(StatusCode Code, string Detail)> Answer)>();
        void Call(MatrixColumn column, string what, string entityId, IMessage message) =>
            calls.Add((column, what, entityId, AuthorizationMatrix.CallAsync(invoker, method, message, callers.Headers(column.Caller))));

        foreach (var column in MatrixColumn.All)
        {
            var expected = row[column];
            if (column.UnknownId)
            {
                Assert.True(expected.NoEntity == request.EntityId is null,
                    $"{rpc} / {column}: the table says '{expected}', but the matrix calls {rpc} {(request.EntityId is null ? "on no entity" : "on an entity")}");
                if (!expected.NoEntity)
                {
                    Call(column, "unknown id", unknown, request.ForId(column.Caller, unknown));
                }

                continue;
            }

            Assert.False(expected.NoEntity, $"{rpc} / {column}: '-' is for the unknown-id columns only");
            Call(column, "request", request.EntityId ?? "", request.For(column.Caller));
            if (column.HasBadToken)
            {
                // Authentication comes first: the same answer for an unknown id and for an empty request.
                if (request.EntityId is not null)
                {
                    Call(column, "unknown id", unknown, request.ForId(CallerKind.Buyer, unknown));
                }

                Call(column, "empty request", "", method.InputType.Parser.ParseFrom(ByteString.Empty));
            }
        }

        await Task.WhenAll(calls.Select(c => c.Answer));
        var answers = calls.Select(c => (c.Column, c.What, c.EntityId, c.Answer.Result.Code, c.Answer.Result.Detail)).ToList();
        var wrong = new List<string>();
        foreach (var (column, what, _, code, detail) in answers)
        {
            var expected = row[column];
            if (!expected.Accepts(code))
            {
                wrong.Add($"{column} ({what}): expected {expected}, got {code} \"{detail}\"");
            }
            else if (column.HasBadToken && !detail.Contains(MatrixCallers.Refusal(column.Caller), StringComparison.Ordinal))
            {
                wrong.Add($"{column} ({what}): refused as \"{detail}\", not for its own reason \"{MatrixCallers.Refusal(column.Caller)}\"");
            }
        }

        // No existence leak in words either: a non-party's refusal on the entity and the refusal of
        // the same kind of caller naming an unknown id are the same message but for the id and the caller.
        foreach (var unknownColumn in MatrixColumn.All.Where(c => c.UnknownId))
        {
            var twin = unknownColumn.NonPartyTwin;
            if (row[unknownColumn].Status != StatusCode.PermissionDenied || row[twin].Status != StatusCode.PermissionDenied)
            {
                continue;
            }

            var onUnknown = answers.Single(a => a.Column == unknownColumn);
            var onEntity = answers.Single(a => a.Column == twin && a.What == "request");
            string left = Normalised(onEntity.Detail, onEntity.EntityId, callers.Subject(twin.Caller));
            string right = Normalised(onUnknown.Detail, unknown, callers.Subject(unknownColumn.Caller));
            if (onUnknown.Code == StatusCode.PermissionDenied && onEntity.Code == StatusCode.PermissionDenied && left != right)
            {
                wrong.Add($"{unknownColumn} says \"{right}\" but {twin} on the entity \"{left}\": the words tell whether it exists");
            }
        }

        Assert.True(wrong.Count == 0, $"{rpc}: {wrong.Count} of {answers.Count} answers differ from {AuthorizationTable.Path}:\n" + string.Join("\n", wrong));
    }

    private static string Normalised(string detail, string entityId, string subject) =>
        (entityId.Length > 0 ? detail.Replace(entityId, "{id}", StringComparison.Ordinal) : detail).Replace(subject, "{caller}", StringComparison.Ordinal);
}
