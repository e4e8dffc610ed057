using Marketplace.Testing;
using Xunit;

namespace Marketplace.EventBus.Tests;

[CollectionDefinition(RedisCollection.Name)]
public sealed class RedisCollectionDefinition : ICollectionFixture<RedisFixture>;
