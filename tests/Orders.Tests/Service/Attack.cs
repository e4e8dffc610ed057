using Grpc.Core;
using Xunit;

namespace Marketplace.Orders.Tests.Service;

/// <summary>How the attack tests assert a refusal: the documented status and a message naming the rule.</summary>
internal static class Attack
{
    public static async Task<RpcException> RefusedAsync(StatusCode expected, Func<Task> call, params string[] mentions)
    {
        var e = await Assert.ThrowsAsync<RpcException>(call);
        Assert.True(expected == e.StatusCode, $"expected {expected}, got {e.StatusCode}: {e.Status.Detail}");
        foreach (var mention in mentions)
        {
            Assert.Contains(mention, e.Status.Detail, StringComparison.Ordinal);
        }

        return e;
    }
}
