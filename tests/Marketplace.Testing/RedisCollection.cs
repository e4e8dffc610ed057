using Xunit;

namespace Marketplace.Testing;

/// <summary>Marker for the tests that share one <see cref="RedisFixture"/>. Each test assembly
/// that uses it declares <c>[CollectionDefinition(RedisCollection.Name)] class X : ICollectionFixture&lt;RedisFixture&gt;</c>
/// (xunit only finds collection definitions in the test assembly itself).</summary>
public static class RedisCollection
{
    public const string Name = "redis";
}
