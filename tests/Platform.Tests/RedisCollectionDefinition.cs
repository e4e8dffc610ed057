using Marketplace.Testing;
using Xunit;

namespace Marketplace.Platform.Tests;

[CollectionDefinition(RedisCollection.Name)]
public sealed class RedisCollectionDefinition : ICollectionFixture<RedisFixture>;
