using System.Globalization;
using System.Text;
using StackExchange.Redis;

namespace Marketplace.Hosting.Redis;

/// <summary>Where a page of an index ends: its last entry's score and member.</summary>
public sealed record PageCursor(double Score, string Member);

/// <summary>One page of an index: each member with its hash (empty when the hash is gone), and the next page's cursor (null on the last).</summary>
public sealed record IndexPage(IReadOnlyList<(string Member, HashEntry[] Fields)> Items, PageCursor? Next);

/// <summary>
/// Pages through an index (a sorted set of entity ids) newest first (score, then member, both
/// descending), each entity's hash read with it: one read-only script, so one round trip and one
/// state. A page continues after the cursor of the previous one, so entries added meanwhile neither
/// repeat nor shift later pages (an offset would). Tokens carry the cursor in URL-safe base64; a
/// client treats them as opaque. The script builds the hashes' key names from a prefix and suffix,
/// so it needs one Redis (not a cluster), as the platform's writes do.
/// </summary>
public static class IndexPages
{
    /// <summary>
    /// The page of <paramref name="index"/> after <paramref name="after"/> (null: from the newest), at most
    /// <paramref name="take"/> entries; <paramref name="hashKey"/> names an entry's hash from its member.
    /// </summary>
    public static async Task<IndexPage> ReadAsync(IDatabase db, string index, Func<string, string> hashKey, PageCursor? after, int take)
    {
        string probe = hashKey("\0");
        int at = probe.IndexOf('\0', StringComparison.Ordinal);
        var reply = (RedisResult[])(await Script.EvaluateReadOnlyAsync(db, [index],
        [
            after is null ? "+inf" : after.Score.ToString("R", CultureInfo.InvariantCulture),
            after?.Member ?? "",
            take + 1,
            probe[..at],
            probe[(at + 1)..],
        ]))!;
        var items = new List<(string Member, HashEntry[] Fields, PageCursor Cursor)>();
        for (int i = 0; i + 2 < reply.Length; i += 3)
        {
            var member = (string)reply[i]!;
            var raw = (RedisResult[])reply[i + 2]!;
            var fields = new HashEntry[raw.Length / 2];
            for (int f = 0; f < fields.Length; f++)
            {
                fields[f] = new HashEntry((string)raw[2 * f]!, (RedisValue)raw[(2 * f) + 1]);
            }

            items.Add((member, fields, new PageCursor((double)reply[i + 1], member)));
        }

        return items.Count > take
            ? new IndexPage(items.Take(take).Select(i => (i.Member, i.Fields)).ToList(), items[take - 1].Cursor)
            : new IndexPage(items.Select(i => (i.Member, i.Fields)).ToList(), null);
    }

    /// <summary>The page token of a cursor.</summary>
    public static string Token(PageCursor cursor) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(cursor.Score.ToString("R", CultureInfo.InvariantCulture) + ":" + cursor.Member))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The cursor of a token <see cref="Token"/> made, or null for anything else (or a member longer than <paramref name="maxMemberLength"/>).</summary>
    public static PageCursor? Parse(string token, int maxMemberLength)
    {
        if (token.Length == 0 || token.Length > 4 * (maxMemberLength + 32) / 3)
        {
            return null;
        }

        string base64 = token.Replace('-', '+').Replace('_', '/');
        base64 += new string('=', (4 - (base64.Length % 4)) % 4);
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Convert.FromBase64String(base64));
        }
        catch (Exception e) when (e is FormatException or DecoderFallbackException)
        {
            return null;
        }

        int colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon > 0
            && double.TryParse(text.AsSpan(0, colon), NumberStyles.Float, CultureInfo.InvariantCulture, out double score)
            && double.IsFinite(score)
            && text.Length - colon - 1 is > 0
            && text.Length - colon - 1 <= maxMemberLength
                ? new PageCursor(score, text[(colon + 1)..])
                : null;
    }

    /// <summary>
    /// KEYS[1] the index; ARGV: the cursor's score ("+inf" for the first page) and member ("" for the
    /// first page), how many to return, the hash key's prefix and suffix around a member. Returns
    /// member, score and HGETALL of each entry, in page order.
    /// </summary>
    private static readonly RedisScript Script = new(ScriptText);

    private const string ScriptText = """
        local max, after, want, prefix, suffix = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5]
        local out, found, offset = {}, 0, 0
        while found < want do
          local batch = redis.call('ZREVRANGEBYSCORE', KEYS[1], max, '-inf', 'WITHSCORES', 'LIMIT', offset, want)
          if #batch == 0 then break end
          for i = 1, #batch, 2 do
            local member, score = batch[i], batch[i + 1]
            if after == '' or tonumber(score) < tonumber(max) or member < after then
              out[#out + 1] = member
              out[#out + 1] = score
              out[#out + 1] = redis.call('HGETALL', prefix .. member .. suffix)
              found = found + 1
              if found == want then break end
            end
          end
          offset = offset + want
        end
        return out
        """;
}
