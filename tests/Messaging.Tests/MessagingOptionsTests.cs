using Marketplace.Hosting;
using Marketplace.Hosting.Configuration;
using Marketplace.Messaging.Domain;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace Marketplace.Messaging.Tests;

/// <summary>The <c>Messaging</c> section as the service binds it: SPEC 3 defaults, policy values read, bad values named by key.</summary>
public sealed class MessagingOptionsTests
{
    /// <summary>Binds and validates the options exactly as the service registers them.</summary>
    private static MessagingOptions Bind(params (string Key, string Value)[] values)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>($"{MessagingOptions.Section}:{v.Key}", v.Value)))
            .Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddSectionOptions<MessagingOptions>(MessagingOptions.Section);
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<MessagingOptions>>().Value;
    }

    [Fact]
    public void Spec3_defaults_are_the_policy_defaults()
    {
        var options = Bind();

        Assert.Equal(MessagingPolicy.Default, options.Policy);
        Assert.Equal(TimeSpan.FromHours(24), options.Policy.UnresponsiveAfter);
        Assert.Equal(TimeSpan.FromSeconds(10), options.SweepInterval);
        Assert.Equal(["ar", "en", "fr", "nl"], options.ScreenLanguages().Keys.Order(StringComparer.Ordinal));
        Assert.Same(ScreenTerms.Defaults["nl"], options.ScreenLanguages()["nl"]);
    }

    [Fact]
    public void Spec3_windows_are_policy_read_from_the_section()
    {
        var options = Bind(
            (nameof(MessagingOptions.UnresponsiveAfterHours), "12"),
            (nameof(MessagingOptions.ResponseWindowHours), "0.5"),
            (nameof(MessagingOptions.ResponseRatePeriodDays), "30"),
            (nameof(MessagingOptions.ReviewRequestMaxOrderAgeDays), "60"),
            (nameof(MessagingOptions.SweepIntervalMs), "250"));

        Assert.Equal(TimeSpan.FromHours(12), options.Policy.UnresponsiveAfter);
        Assert.Equal(TimeSpan.FromMinutes(30), options.Policy.ResponseWindow);
        Assert.Equal(TimeSpan.FromDays(30), options.Policy.ResponseRatePeriod);
        Assert.Equal(TimeSpan.FromDays(60), options.Policy.ReviewRequestMaxOrderAge);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.SweepInterval);
    }

    [Fact]
    public void Spec3_a_configured_list_replaces_that_languages_default_and_a_new_language_is_added()
    {
        var options = Bind(
            ("ReviewRequestScreen:nl:Offers:0", "korting*"),
            ("ReviewRequestScreen:nl:Offers:1", "gratis"),
            ("ReviewRequestScreen:DE:RatingRequests:0", "fünf Sterne"));

        var languages = options.ScreenLanguages();

        Assert.Equal(["korting*", "gratis"], languages["nl"].Offers);
        Assert.Same(ScreenTerms.Defaults["nl"].RatingRequests, languages["nl"].RatingRequests);
        Assert.Equal(["fünf Sterne"], languages["de"].RatingRequests);
        Assert.Empty(languages["de"].Offers);
        Assert.Same(ScreenTerms.Defaults["en"], languages["en"]);
        var screen = options.BuildScreen();
        Assert.Contains("found the DE term 'fünf Sterne'", screen.Check("Bitte fünf Sterne!")!.Message, StringComparison.Ordinal);
        Assert.Null(screen.Check("Een fooi voor je review?")); // "fooi*" was a default Dutch term
    }

    [Theory]
    [InlineData("ReviewRequestScreen:nl:Offers:0", " ", "must not be blank")]
    [InlineData("ReviewRequestScreen:fr:RatingRequests:0", "cinq*étoiles", "may use '*' only at the start or end of a word, next to other characters")]
    [InlineData("ReviewRequestScreen:ar:HarmlessPhrases:0", "*", "may use '*' only at the start or end of a word, next to other characters")]
    [InlineData("ReviewRequestScreen:en:Offers:0", "- -", "must contain a word, not only spaces and dashes")]
    public void Spec7_a_bad_screen_term_is_refused_naming_its_key_and_value(string key, string value, string rule)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Bind((key, value)));

        Assert.Equal([$"Messaging:{key} {rule} (got '{value}')"], ServiceRunner.ConfigurationProblems(error));
    }

    [Fact]
    public void Spec7_a_screen_language_must_be_a_language_code()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Bind(("ReviewRequestScreen:dutch!:Offers:0", "korting")));

        Assert.Equal(["Messaging:ReviewRequestScreen:dutch! must be a language code (e.g. 'nl', 'pt-BR')"], ServiceRunner.ConfigurationProblems(error));
    }

    [Theory]
    [InlineData("UnresponsiveAfterHours", "0", "must be a number of hours greater than 0 and at most 8760")]
    [InlineData("ResponseWindowHours", "-1", "must be a number of hours greater than 0 and at most 8760")]
    [InlineData("ResponseRatePeriodDays", "NaN", "must be a number of days greater than 0 and at most 3650")]
    [InlineData("ReviewRequestMaxOrderAgeDays", "1e9", "must be a number of days greater than 0 and at most 3650")]
    [InlineData("SweepIntervalMs", "5", "must be a whole number of milliseconds from 10 to 3600000")]
    public void Spec7_a_bad_value_is_refused_naming_its_key_and_value(string key, string value, string rule)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Bind((key, value)));

        Assert.Equal([$"Messaging:{key} {rule} (got '{value}')"], ServiceRunner.ConfigurationProblems(error));
    }

    [Fact]
    public void Spec7_a_value_that_is_not_a_number_is_refused_naming_its_key()
    {
        var error = Record.Exception(() => Bind((nameof(MessagingOptions.UnresponsiveAfterHours), "a day")));

        var problem = Assert.Single(ServiceRunner.ConfigurationProblems(error!));
        Assert.Contains("'Messaging:UnresponsiveAfterHours'", problem, StringComparison.Ordinal);
    }
}
