using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Marketplace.Messaging.Domain;

/// <summary>
/// SPEC 3: a review request must never offer anything in exchange for a review or ask for a
/// particular rating, in any language the marketplace serves. The screen holds the terms of every
/// configured language (<see cref="ScreenTerms"/>) and refuses a text that contains one of them
/// with FAILED_PRECONDITION naming the rule and the term (the contract's status for review-request
/// rules). Built once from the settings; matching runs in linear time (no backtracking).
/// </summary>
/// <remarks>
/// Text and terms are compared after the same folding (<see cref="Fold"/>): look-alike forms read as
/// their plain letters (full-width "ＦＲＥＥ" = "FREE", the Arabic presentation forms of the basic
/// letters = the letters; done here, since the services run with invariant globalization, whose
/// <c>string.Normalize</c> leaves them as they are), invisible format characters dropped (a soft hyphen or zero-width space inside
/// "dis​count" hides nothing), lower case, Latin accents dropped ("réduction" = "reduction"),
/// Arabic vowel marks and tatweel dropped, the Arabic letter variants that writers mix unified
/// (أ إ آ ٱ → ا, ى → ي, ة → ه, ؤ → و, ئ → ي), Arabic-Indic digits read as digits, typographic
/// apostrophes as "'", and star symbols (⭐ ☆ ✪–✰ 🌟, with or without an emoji variation selector)
/// as "★". Harmless phrases are blanked out before the terms are looked for.
/// </remarks>
public sealed class ReviewRequestScreen
{
    private const int MaxTermLength = 100;

    private readonly Regex _harmless;
    private readonly Regex _offers;
    private readonly Regex _ratingRequests;
    private readonly List<(string Language, string Term)> _offerTerms = [];
    private readonly List<(string Language, string Term)> _ratingTerms = [];

    public ReviewRequestScreen(IReadOnlyDictionary<string, ScreenTerms> languages)
    {
        var ordered = languages.OrderBy(l => l.Key, StringComparer.Ordinal).ToList();
        foreach (var (language, terms) in ordered)
        {
            _offerTerms.AddRange(terms.Offers.Select(t => (language, t)));
            _ratingTerms.AddRange(terms.RatingRequests.Select(t => (language, t)));
        }

        _harmless = Build(ordered.SelectMany(l => l.Value.HarmlessPhrases));
        _offers = Build(_offerTerms.Select(t => t.Term));
        _ratingRequests = Build(_ratingTerms.Select(t => t.Term));
    }

    /// <summary>The rejection naming the broken rule and the term found, or null when the text is fine.</summary>
    public Rejection? Check(string text)
    {
        var folded = _harmless.Replace(Fold(text), " ");
        if (Find(_offers, _offerTerms, folded) is { } offer)
        {
            return Rejection.FailedPrecondition(
                $"text: a review request must not offer anything in exchange for a review (found the {offer.Language} term '{offer.Term}')");
        }

        return Find(_ratingRequests, _ratingTerms, folded) is { } ask
            ? Rejection.FailedPrecondition($"text: a review request must not ask for a particular rating (found the {ask.Language} term '{ask.Term}')")
            : null;
    }

    /// <summary>What is wrong with a configured term, or null when it is usable.</summary>
    public static string? ProblemWith(string? term)
    {
        if (string.IsNullOrWhiteSpace(term))
        {
            return "must not be blank";
        }

        if (term.Length > MaxTermLength)
        {
            return $"must be at most {MaxTermLength} characters";
        }

        var words = Words(Fold(term)).ToList();
        if (words.Count == 0)
        {
            return "must contain a word, not only spaces and dashes";
        }

        foreach (var word in words)
        {
            var core = word.Trim('*');
            if (core.Length == 0 || core.Contains('*', StringComparison.Ordinal) || word.StartsWith("**", StringComparison.Ordinal) || word.EndsWith("**", StringComparison.Ordinal))
            {
                return "may use '*' only at the start or end of a word, next to other characters";
            }
        }

        return null;
    }

    /// <summary>The folded form text and terms are compared in.</summary>
    public static string Fold(string text)
    {
        var folded = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            var c = Plain(text[i]);
            if (c is '\u0640' or (>= '\u064B' and <= '\u065F') or '\u0670' or (>= '\u0300' and <= '\u036F') or '\uFE0E' or '\uFE0F'
                || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format)
            {
                continue; // tatweel, Arabic vowel marks, combining accents, variation selectors, invisible format characters
            }

            if (c is '\u2B50' or '\u2606' or (>= '\u272A' and <= '\u2730'))
            {
                folded.Append('★');
                continue;
            }

            if (c == '\uD83C' && i + 1 < text.Length && text[i + 1] == '\uDF1F')
            {
                folded.Append('★'); // 🌟
                i++;
                continue;
            }

            folded.Append(c switch
            {
                'أ' or 'إ' or 'آ' or 'ٱ' => "ا",
                'ى' or 'ئ' => "ي",
                'ة' => "ه",
                'ؤ' => "و",
                '٪' => "%",
                '’' or '‘' or 'ʼ' or '`' or '´' => "'",
                >= '\u0660' and <= '\u0669' => ((char)('0' + (c - '\u0660'))).ToString(),
                >= '\u06F0' and <= '\u06F9' => ((char)('0' + (c - '\u06F0'))).ToString(),
                _ => LatinBase(char.ToLowerInvariant(c)),
            });
        }

        return folded.ToString();
    }

    /// <summary>
    /// The Arabic letters of Presentation Forms-B (U+FE80-U+FEF4) in the order of the block, each
    /// with its number of forms (isolated, final, and for joining letters initial and medial).
    /// </summary>
    private static readonly (char Letter, int Forms)[] ArabicForms =
    [
        ('ء', 1), ('آ', 2), ('أ', 2), ('ؤ', 2), ('إ', 2), ('ئ', 4), ('ا', 2), ('ب', 4), ('ة', 2), ('ت', 4), ('ث', 4), ('ج', 4),
        ('ح', 4), ('خ', 4), ('د', 2), ('ذ', 2), ('ر', 2), ('ز', 2), ('س', 4), ('ش', 4), ('ص', 4), ('ض', 4), ('ط', 4), ('ظ', 4),
        ('ع', 4), ('غ', 4), ('ف', 4), ('ق', 4), ('ك', 4), ('ل', 4), ('م', 4), ('ن', 4), ('ه', 4), ('و', 2), ('ى', 2), ('ي', 4),
    ];

    /// <summary>U+FE80 onwards: the base letter of each presentation form (<see cref="ArabicForms"/>).</summary>
    private static readonly char[] ArabicBase = [.. ArabicForms.SelectMany(f => Enumerable.Repeat(f.Letter, f.Forms))];

    /// <summary>The plain character a look-alike stands for: full-width ASCII, an Arabic presentation form.</summary>
    private static char Plain(char c) => c switch
    {
        >= '\uFF01' and <= '\uFF5E' => (char)(c - 0xFEE0),
        '\u3000' => ' ',
        >= '\uFE80' and <= '\uFEF4' => ArabicBase[c - '\uFE80'],
        _ => c,
    };

    private static (string Language, string Term)? Find(Regex regex, List<(string Language, string Term)> terms, string folded)
    {
        var match = regex.Match(folded);
        if (!match.Success)
        {
            return null;
        }

        for (var i = 1; i < match.Groups.Count; i++)
        {
            if (match.Groups[i].Success)
            {
                return terms[i - 1];
            }
        }

        return terms[0];
    }

    /// <summary>One alternative per term, each its own numbered group, so a match names its term.</summary>
    private static Regex Build(IEnumerable<string> terms)
    {
        var alternatives = terms.Select(term => "(" + Pattern(term) + ")").ToList();
        var pattern = alternatives.Count == 0 ? "[^\\s\\S]" : string.Join("|", alternatives); // no terms: a class nothing is in
        return new Regex(pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
    }

    private static string Pattern(string term)
    {
        var words = Words(Fold(term)).ToList();
        var parts = words.Select(word =>
        {
            var core = Regex.Escape(word.Trim('*'));
            return (word.StartsWith('*') ? "\\w*" : "") + core + (word.EndsWith('*') ? "\\w*" : "");
        });
        var body = string.Join("[\\s\\p{Pd}]+", parts);
        var first = words[0].TrimStart('*');
        var last = words[^1].TrimEnd('*');
        var start = !words[0].StartsWith('*') && char.IsLetterOrDigit(first[0]) ? "\\b" : "";
        var end = !words[^1].EndsWith('*') && char.IsLetterOrDigit(last[^1]) ? "\\b" : "";
        return start + body + end;
    }

    private static IEnumerable<string> Words(string term) =>
        term.Split((char[])[' ', '\t', '-', '\u2010', '\u2011', '\u2013', '\u2014'], StringSplitOptions.RemoveEmptyEntries);

    private static string LatinBase(char c) => c switch
    {
        'à' or 'á' or 'â' or 'ã' or 'ä' or 'å' => "a",
        'ç' => "c",
        'è' or 'é' or 'ê' or 'ë' => "e",
        'ì' or 'í' or 'î' or 'ï' => "i",
        'ñ' => "n",
        'ò' or 'ó' or 'ô' or 'õ' or 'ö' => "o",
        'ù' or 'ú' or 'û' or 'ü' => "u",
        'ý' or 'ÿ' => "y",
        'œ' => "oe",
        'æ' => "ae",
        'ß' => "ss",
        _ => c.ToString(CultureInfo.InvariantCulture),
    };
}
