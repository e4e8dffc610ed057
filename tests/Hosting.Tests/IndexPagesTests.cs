using Marketplace.Hosting.Redis;
using Marketplace.Testing;
using StackExchange.Redis;
using Xunit;

namespace Marketplace.Hosting.Tests;

/// <summary>Pages of an index with each entry's hash, on a real redis-server (Orders' ListOrders and Reviews' GetGigReviews use them).</summary>
[Collection(RedisCollection.Name)]
public sealed class IndexPagesTests(RedisFixture redis)
{
    private static string Hash(string member) => $"pages-test:{{{member}}}";

    [Fact]
    public async Task Pages_go_newest_first_ties_by_member_and_stay_put_while_newer_entries_arrive()
    {
        var db = redis.Server.Admin.GetDatabase();
        string index = "pages-test:index:" + Guid.NewGuid().ToString("N");
        foreach (var (member, score) in new[] { ("a", 10.0), ("b", 20.0), ("c", 20.0), ("d", 30.0), ("e", 40.0) })
        {
            await db.SortedSetAddAsync(index, member, score);
            await db.HashSetAsync(Hash(member), "name", member.ToUpperInvariant());
        }

        var first = await IndexPages.ReadAsync(db, index, Hash, null, 2);
        await db.SortedSetAddAsync(index, "f", 50);    // newer than every page already read
        await db.SortedSetAddAsync(index, "bb", 20);   // a tie with b and c, sorting between them
        var second = await IndexPages.ReadAsync(db, index, Hash, IndexPages.Parse(IndexPages.Token(first.Next!), 128), 2);
        var third = await IndexPages.ReadAsync(db, index, Hash, second.Next, 2);

        Assert.Equal(["e", "d"], first.Items.Select(i => i.Member));
        Assert.Equal(["c", "bb"], second.Items.Select(i => i.Member));
        Assert.Equal(["b", "a"], third.Items.Select(i => i.Member));
        Assert.Null(third.Next);
        Assert.Equal("E", (string?)first.Items[0].Fields.Single(f => f.Name == "name").Value);
        Assert.Empty(second.Items[1].Fields); // "bb" has no hash: an empty one, for the caller to skip
    }

    [Theory]
    [InlineData("")]
    [InlineData("2")]
    [InlineData("not a token")]
    [InlineData("bm90LWEtY3Vyc29y")]          // "not-a-cursor": no score
    [InlineData("TmFOOng")]                   // "NaN:x": not a finite score
    [InlineData("MTA6")]                      // "10:": no member
    public void Anything_but_a_token_it_made_is_refused(string token) =>
        Assert.Null(IndexPages.Parse(token, 128));

    [Fact]
    public void A_token_carries_its_cursor_and_nothing_longer_than_the_member_limit()
    {
        var cursor = new PageCursor(1796143024061, "ord-é/+=");
        Assert.Equal(cursor, IndexPages.Parse(IndexPages.Token(cursor), 128));
        Assert.DoesNotContain("ord", IndexPages.Token(cursor), StringComparison.Ordinal);
        Assert.Null(IndexPages.Parse(IndexPages.Token(new PageCursor(1, new string('x', 129))), 128));
    }
}
