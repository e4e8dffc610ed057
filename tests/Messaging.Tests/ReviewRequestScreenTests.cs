using Marketplace.Messaging.Domain;
using Xunit;
using static Marketplace.Messaging.Tests.Scenario;

namespace Marketplace.Messaging.Tests;

/// <summary>
/// SPEC 3: the review-request screen in the seeds' languages (English, Dutch, French, Arabic):
/// offers in exchange for a review and asks for a particular rating are found however they are
/// written (case, accents, Arabic vowel marks and letter variants, Arabic-Indic digits, dashes,
/// attached Arabic prefixes); polite requests and plain thanks pass.
/// </summary>
public sealed class ReviewRequestScreenTests
{
    private const string Offer = "a review request must not offer anything in exchange for a review";
    private const string RatingAsk = "a review request must not ask for a particular rating";

    [Theory]
    [InlineData("Leave a review and get a FREE logo", "en", "free")]
    [InlineData("Happy to send a partial refund in exchange for feedback", "en", "refund*")]
    [InlineData("You get an extra revision if you review", "en", "extra revision*")]
    [InlineData("Review me and take 15% off your next order", "en", "% off")]
    [InlineData("Laat een review achter en ontvang een kortingscode", "nl", "korting*")]
    [InlineData("Bij een review krijg je het bronbestand gratis", "nl", "gratis")]
    [InlineData("In ruil voor een review maak ik een extra ontwerp", "nl", "in ruil")]
    [InlineData("Un avis contre un remboursement partiel ?", "fr", "rembours*")]
    [InlineData("Laissez un avis et recevez un logo GRATUIT", "fr", "gratuit*")]
    [InlineData("En échange d'un avis, je vous offre une révision", "fr", "en échange")]
    [InlineData("اترك تقييما واحصل على خصم 20% على طلبك القادم", "ar", "*خصم")]
    [InlineData("قيّم الخدمة واحصل على تعديل مجاناً", "ar", "*مجان*")]
    [InlineData("سأرسل لك هديةً مقابل التقييم", "ar", "*هدية")]
    [InlineData("سأمنحك الملف المصدري بالمجان", "ar", "*مجان*")]
    public void Spec3_an_offer_in_exchange_for_a_review_is_found_in_each_language(string text, string language, string term)
    {
        var rejection = Screen.Check(text);

        Assert.Equal(RejectionKind.FailedPrecondition, rejection?.Kind);
        Assert.Equal($"text: {Offer} (found the {language} term '{term}')", rejection!.Message);
    }

    [Theory]
    [InlineData("Please leave a 5-star review!", "en", "5 star*")]
    [InlineData("A five star rating would mean a lot", "en", "five star*")]
    [InlineData("Could you rate me 5/5?", "en", "rate me")]
    [InlineData("Please leave me a positive   review", "en", "positive review*")]
    [InlineData("Zou je me vijf sterren willen geven?", "nl", "vijf ster*")]
    [InlineData("Een 5-sterrenreview zou top zijn", "nl", "5 ster*")]
    [InlineData("Graag een positieve beoordeling!", "nl", "positieve beoordeling*")]
    [InlineData("Merci de me laisser un avis 5 étoiles !", "fr", "5 étoile*")]
    [InlineData("Une evaluation positive m'aiderait", "fr", "évaluation positive*")]
    [InlineData("J'espère une bonne note de votre part", "fr", "bonne note*")]
    [InlineData("أرجو أن تمنحني تقييم خمس نجوم", "ar", "*خمس* نجوم")]
    [InlineData("أتمنى تقييم ٥ نجوم", "ar", "5 نجوم")]
    [InlineData("أرجو منك تقييماً إيجابياً", "ar", "*تقييم* *إيجابي*")]
    [InlineData("أتمنى أن تعطيني العلامة الكاملة", "ar", "العلامة الكاملة")]
    [InlineData("شجعني بتقييم متميز من خمس نقاط", "ar", "*تقييم* *متميز*")]
    [InlineData("أرجو أن تعطيني خمس نقاط", "ar", "*خمس* نقاط")]
    public void Spec3_an_ask_for_a_particular_rating_is_found_in_each_language(string text, string language, string term)
    {
        var rejection = Screen.Check(text);

        Assert.Equal(RejectionKind.FailedPrecondition, rejection?.Kind);
        Assert.Equal($"text: {RatingAsk} (found the {language} term '{term}')", rejection!.Message);
    }

    /// <summary>
    /// The attack: the same offers and asks written so they look normal to the buyer but not to a
    /// plain comparison: a soft hyphen or a zero-width space inside a word, full-width letters, Arabic
    /// presentation forms, emoji stars (with the emoji variation selector) instead of the star sign.
    /// </summary>
    [Theory]
    [InlineData("Leave a review and get a dis\u00ADcount on your next order", Offer, "en", "discount*")]
    [InlineData("Leave a review and get a dis\u200Bcount", Offer, "en", "discount*")]
    [InlineData("Review me for a ＦＲＥＥ logo", Offer, "en", "free")]
    [InlineData("A \u2060free\uFEFF logo for your review", Offer, "en", "free")]
    [InlineData("ﺧﺼﻢ على طلبك القادم بعد تقييمك", Offer, "ar", "*خصم")]
    [InlineData("Please leave a 5-st\u00ADar review", RatingAsk, "en", "5 star*")]
    [InlineData("Please: \u2B50\uFE0F\u2B50\uFE0F\u2B50\uFE0F\u2B50\uFE0F\u2B50\uFE0F", RatingAsk, "ar", "★★★★★")]
    [InlineData("\uD83C\uDF1F\uD83C\uDF1F\uD83C\uDF1F\uD83C\uDF1F\uD83C\uDF1F would make my day", RatingAsk, "ar", "★★★★★")]
    [InlineData("Hoping for 5⭐ from you", RatingAsk, "en", "5★")]
    [InlineData("Ｒａｔｅ ｍｅ please", RatingAsk, "en", "rate me")]
    public void Spec3_offers_and_asks_hidden_by_invisible_or_lookalike_characters_are_found(string text, string rule, string language, string term)
    {
        var rejection = Screen.Check(text);

        Assert.Equal(RejectionKind.FailedPrecondition, rejection?.Kind);
        Assert.Equal($"text: {rule} (found the {language} term '{term}')", rejection!.Message);
    }

    [Theory]
    [InlineData("Thanks for your order! If you have a moment, an honest review would help me.")]
    [InlineData("Feel free to reach out if anything needs a change. A short review would help other buyers.")]
    [InlineData("As a freelancer I value honest feedback on my tipography... typography!")]
    [InlineData("Thank you, it was a rewarding project. I'd appreciate your feedback whenever you have free time.")]
    [InlineData("Bedankt voor je bestelling! Als je even tijd hebt, zou een eerlijke review me enorm helpen.")]
    [InlineData("Was je tevreden over het ontwerp? Laat gerust weten wat beter kon.")]
    [InlineData("Merci pour votre commande ! Si vous avez un moment, un avis honnête m'aiderait beaucoup.")]
    [InlineData("N'hésitez pas à me dire ce qui pourrait être amélioré.")]
    [InlineData("شكرا لطلبك! إذا كان لديك وقت، سيساعدني تقييمك الصادق كثيرا.")]
    [InlineData("أتفهم انشغالك، لكن التقييم ساعدني كثيرا في بيع خدماتي لمشترين آخرين، ولن يكلفك ذلك أي وقت، وسأكون ممتنا إذا فعلت ذلك.")]
    [InlineData("آمل أن يحبك الفيديو ويحقق التفاعل الذي تريده، وإذا كان لديك أي أسئلة حول الخدمة يسعدني العمل مرة أخرى.")]
    public void Spec3_polite_requests_and_plain_thanks_pass_in_each_language(string text)
    {
        Assert.Null(Screen.Check(text));
    }

    [Fact]
    public void Spec3_folding_ignores_case_accents_vowel_marks_and_letter_variants()
    {
        Assert.Equal("reduction", ReviewRequestScreen.Fold("RÉDUCTION"));
        Assert.Equal("مجانا", ReviewRequestScreen.Fold("مجاناً"));
        Assert.Equal("اعلي", ReviewRequestScreen.Fold("أعلى"));
        Assert.Equal("مكافاه 5", ReviewRequestScreen.Fold("مكافـأة ٥"));
    }

    [Fact]
    public void Spec3_a_language_without_terms_finds_nothing()
    {
        var empty = new ReviewRequestScreen(new Dictionary<string, ScreenTerms> { ["xx"] = new([], [], []) });

        Assert.Null(empty.Check("Leave a 5 star review for a discount"));
    }

    [Theory]
    [InlineData("discount", null)]
    [InlineData("*خصم", null)]
    [InlineData("★★★★★", null)]
    [InlineData("", "must not be blank")]
    [InlineData("dis*count", "may use '*' only at the start or end of a word, next to other characters")]
    [InlineData("**discount", "may use '*' only at the start or end of a word, next to other characters")]
    [InlineData("5 *", "may use '*' only at the start or end of a word, next to other characters")]
    [InlineData("--", "must contain a word, not only spaces and dashes")]
    public void Spec7_configured_terms_are_checked(string term, string? problem)
    {
        Assert.Equal(problem, ReviewRequestScreen.ProblemWith(term));
    }
}
