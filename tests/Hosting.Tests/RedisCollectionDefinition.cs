using Marketplace.Testing;
using Xunit;

namespace Marketplace.Hosting.Tests;

[CollectionDefinition(RedisCollection.Name)]
public sealed class RedisCollectionDefinition : ICollectionFixture<RedisFixture>;
