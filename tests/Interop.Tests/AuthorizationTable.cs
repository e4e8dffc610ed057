using Grpc.Core;
using Marketplace.Testing;

namespace Marketplace.Interop.Tests;

/// <summary>The kinds of caller the authorization matrix calls every RPC as (docs/authorization.md, "The callers").</summary>
public enum CallerKind
{
    NoToken,
    Malformed,
    WrongKey,
    Expired,
    AlgNone,
    Buyer,
    Seller,
    OtherSeller,
    OtherBuyer,
    Support,
    Internal,
}

/// <summary>One column of the matrix: a kind of caller, naming the row's entity or an id no entity has.</summary>
public sealed record MatrixColumn(string Header, CallerKind Caller, bool UnknownId)
{
    public bool HasBadToken => Caller < CallerKind.Buyer;

    /// <summary>The columns in the order of the table's header, before its free-text "rule".</summary>
    public static readonly IReadOnlyList<MatrixColumn> All =
    [
        new("no token", CallerKind.NoToken, false),
        new("malformed", CallerKind.Malformed, false),
        new("wrong key", CallerKind.WrongKey, false),
        new("expired", CallerKind.Expired, false),
        new("alg none", CallerKind.AlgNone, false),
        new("buyer", CallerKind.Buyer, false),
        new("seller", CallerKind.Seller, false),
        new("other seller", CallerKind.OtherSeller, false),
        new("other buyer", CallerKind.OtherBuyer, false),
        new("support", CallerKind.Support, false),
        new("internal", CallerKind.Internal, false),
        new("unknown: buyer", CallerKind.Buyer, true),
        new("unknown: seller", CallerKind.Seller, true),
        new("unknown: support", CallerKind.Support, true),
        new("unknown: internal", CallerKind.Internal, true),
    ];

    /// <summary>
    /// The column of the same kind of caller naming an entity it is no party of, whose refusal an
    /// unknown-id refusal must match word for word (but for the id and the caller).
    /// </summary>
    public MatrixColumn NonPartyTwin => UnknownId
        ? All.Single(c => !c.UnknownId && c.Caller == Caller switch
        {
            CallerKind.Buyer => CallerKind.OtherBuyer,
            CallerKind.Seller => CallerKind.OtherSeller,
            _ => Caller,
        })
        : throw new InvalidOperationException($"{Header} names the row's entity");

    public override string ToString() => Header;
}

/// <summary>
/// What one cell expects (docs/authorization.md, "Cells"): a status name, <c>allowed</c> (the
/// domain answered on the merits) or <c>-</c> (no entity, so no unknown id to ask about).
/// </summary>
public sealed record Expectation(string Text)
{
    /// <summary>The statuses of a call that reached the domain and was decided on the merits.</summary>
    private static readonly StatusCode[] Merits = [StatusCode.OK, StatusCode.FailedPrecondition, StatusCode.AlreadyExists];

    public bool IsAllowed => Text == "allowed";

    public bool NoEntity => Text == "-";

    /// <summary>The exact status, for a cell that names one.</summary>
    public StatusCode? Status => IsAllowed || NoEntity ? null : Parse(Text);

    public bool Accepts(StatusCode code) => IsAllowed ? Merits.Contains(code) : Status == code;

    public static Expectation Of(string text)
    {
        var expectation = new Expectation(text);
        if (!expectation.IsAllowed && !expectation.NoEntity)
        {
            _ = Parse(text);
        }

        return expectation;
    }

    /// <summary>PERMISSION_DENIED -> StatusCode.PermissionDenied.</summary>
    private static StatusCode Parse(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterUpper(c) || c == '_')
        && Enum.TryParse<StatusCode>(name.Replace("_", "", StringComparison.Ordinal), ignoreCase: true, out var code)
            ? code
            : throw new FormatException($"'{name}' is not a cell of the matrix: a gRPC status name (e.g. PERMISSION_DENIED), 'allowed' or '-'");

    public override string ToString() => Text;
}

/// <summary>
/// The authorization matrix of docs/authorization.md: one row per RPC (<c>Service/Method</c>), one
/// cell per <see cref="MatrixColumn"/>, written once there and read here.
/// </summary>
public sealed class AuthorizationTable
{
    public const string RuleHeader = "rule";

    private readonly Dictionary<string, IReadOnlyDictionary<MatrixColumn, Expectation>> _rows;

    private AuthorizationTable(Dictionary<string, IReadOnlyDictionary<MatrixColumn, Expectation>> rows) => _rows = rows;

    public static string Path => System.IO.Path.Combine(RepoPaths.Root, "docs", "authorization.md");

    public IReadOnlyCollection<string> Rpcs => _rows.Keys;

    /// <summary>The row of <paramref name="rpc"/>, or null when the table has none.</summary>
    public IReadOnlyDictionary<MatrixColumn, Expectation>? Row(string rpc) => _rows.GetValueOrDefault(rpc);

    public static AuthorizationTable Load() => Parse(File.ReadAllLines(Path));

    /// <summary>
    /// The table whose header starts with <c>| rpc |</c>: the header must name exactly the matrix's
    /// columns and then <c>rule</c>; every row names an RPC in backticks once and fills every cell.
    /// </summary>
    public static AuthorizationTable Parse(IReadOnlyList<string> lines)
    {
        int header = -1;
        for (int i = 0; i < lines.Count; i++)
        {
            if (lines[i].StartsWith("| rpc |", StringComparison.Ordinal))
            {
                header = header < 0 ? i : throw new FormatException($"line {i + 1}: a second matrix table; the matrix is written once");
            }
        }

        if (header < 0)
        {
            throw new FormatException("no table whose header starts with '| rpc |'");
        }

        string[] expected = ["rpc", .. MatrixColumn.All.Select(c => c.Header), RuleHeader];
        var headers = Cells(lines[header]);
        if (!headers.SequenceEqual(expected))
        {
            throw new FormatException($"line {header + 1}: the header must be '{string.Join(" | ", expected)}', not '{string.Join(" | ", headers)}'");
        }

        var rows = new Dictionary<string, IReadOnlyDictionary<MatrixColumn, Expectation>>(StringComparer.Ordinal);
        for (int i = header + 2; i < lines.Count && lines[i].StartsWith('|'); i++)
        {
            var cells = Cells(lines[i]);
            if (cells.Count != expected.Length)
            {
                throw new FormatException($"line {i + 1}: {cells.Count} cells, the header has {expected.Length}");
            }

            string rpc = cells[0].Trim('`');
            if (rows.ContainsKey(rpc))
            {
                throw new FormatException($"line {i + 1}: a second row for {rpc}");
            }

            try
            {
                rows[rpc] = MatrixColumn.All.Select((column, c) => (column, Expectation.Of(cells[c + 1]))).ToDictionary(p => p.column, p => p.Item2);
            }
            catch (FormatException e)
            {
                throw new FormatException($"line {i + 1} ({rpc}): {e.Message}", e);
            }
        }

        return new AuthorizationTable(rows);
    }

    private static List<string> Cells(string line) =>
        [.. line.Trim().Trim('|').Split('|').Select(cell => cell.Trim())];
}
