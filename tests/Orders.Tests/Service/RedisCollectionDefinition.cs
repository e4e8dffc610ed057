using Marketplace.Testing;
using Xunit;

namespace Marketplace.Orders.Tests.Service;

/// <summary>The service tests share one real redis-server; each test uses its own accounts and orders.</summary>
[CollectionDefinition(RedisCollection.Name)]
public sealed class RedisCollectionDefinition : ICollectionFixture<RedisFixture>;
