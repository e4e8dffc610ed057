namespace Marketplace.Messaging.Domain;

/// <summary>
/// The terms of one language that the review-request screen looks for (SPEC 3): words that offer
/// something in exchange for a review, phrases that ask for a particular rating, and harmless
/// phrases that contain such a word but offer nothing ("feel free"), taken out of the text first.
/// </summary>
/// <remarks>
/// Term syntax (<see cref="ReviewRequestScreen"/>): a term matches whole words, case, accents and
/// Arabic vowel marks ignored; a <c>*</c> at the start or end of a word lets that word go on with
/// more letters ("korting*" matches "kortingscode", "*خصم" matches "بخصم"); a space matches any run
/// of spaces and dashes ("5 star" matches "5-star").
/// </remarks>
public sealed record ScreenTerms(IReadOnlyList<string> Offers, IReadOnlyList<string> RatingRequests, IReadOnlyList<string> HarmlessPhrases)
{
    /// <summary>
    /// The default terms, one list per language of the marketplace's markets (the seeds: English,
    /// Dutch, French and Arabic). Operators replace a language's list or add a language in
    /// configuration (<c>Messaging:ReviewRequestScreen:&lt;language&gt;:Offers</c>, ...).
    /// </summary>
    public static IReadOnlyDictionary<string, ScreenTerms> Defaults { get; } = new Dictionary<string, ScreenTerms>(StringComparer.OrdinalIgnoreCase)
    {
        ["en"] = new(
            ["discount*", "coupon*", "voucher*", "promo code*", "refund*", "money back", "cash back", "cashback", "free", "freebie*",
                "bonus*", "gift*", "tip", "tips", "reward", "rewards", "rewarded", "in exchange", "in return", "extra revision*",
                "% off", "percent off", "pay you", "paid review*"],
            ["5 star*", "five star*", "full star*", "full marks", "top marks", "positive review*", "positive feedback", "positive rating*",
                "good review*", "good rating*", "great review*", "high rating*", "top rating*", "best rating*", "perfect rating*",
                "perfect score*", "excellent rating*", "rate me", "rate us", "leave 5", "give 5", "give me 5", "10/10", "5/5", "★★★★★", "5★", "5 ★"],
            ["feel free", "free time"]),
        ["nl"] = new(
            ["korting*", "coupon*", "waardebon*", "tegoedbon*", "gratis", "cadeau*", "geschenk*", "bonus*", "terugbetaling*",
                "geld terug", "cashback", "fooi*", "beloning*", "in ruil", "als tegenprestatie", "extra revisie*", "betaal je", "betalen voor"],
            ["5 ster*", "vijf ster*", "vijfster*", "positieve review*", "positieve beoordeling*", "positieve recensie*", "goede review*",
                "goede beoordeling*", "goede recensie*", "hoge beoordeling*", "hoge score", "topbeoordeling*", "topscore*", "maximale score",
                "volle punten", "alle sterren", "10/10", "5/5", "★★★★★"],
            []),
        ["fr"] = new(
            ["réduction*", "remise*", "rabais", "code promo*", "coupon*", "bon d'achat*", "gratuit*", "cadeau*", "bonus", "rembours*",
                "cashback", "pourboire*", "récompense*", "en échange", "en contrepartie", "révision supplémentaire*"],
            ["5 étoile*", "cinq étoile*", "avis positif*", "avis favorable*", "bonne note*", "note maximale", "note parfaite",
                "excellente note", "meilleure note", "note de 5", "note de 10", "évaluation positive*", "évaluations positives",
                "commentaire positif*", "10/10", "5/5", "★★★★★"],
            []),
        ["ar"] = new(
            ["*خصم", "*خصما", "*خصومات", "*تخفيض*", "*مجان*", "*هدية", "*هدايا", "*مكافأ*", "*كوبون*", "*قسيمة", "*قسائم",
                "*استرداد", "استرجاع المبلغ", "بقشيش", "مقابل", "بالمقابل", "*تعديل* *إضافي*"],
            ["5 نجوم", "5 نجمات", "*خمس* نجوم", "*خمس* نجمات", "*خمس* نقاط", "*تقييم* *إيجابي*", "*مراجع* *إيجابي*", "*تقييم* *ممتاز*",
                "*تقييم* *كامل*", "*تقييم* *عال*", "*تقييم* *متميز*", "أعلى تقييم", "العلامة الكاملة", "الدرجة الكاملة", "10/10", "5/5", "★★★★★"],
            []),
    };

    /// <summary>The languages every screen must cover (SPEC 3: at least the seeds' markets).</summary>
    public static IReadOnlyList<string> RequiredLanguages { get; } = ["en", "nl", "fr", "ar"];
}
