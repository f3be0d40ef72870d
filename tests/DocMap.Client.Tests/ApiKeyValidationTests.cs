using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DocMap.Client.Tests;

public sealed class ApiKeyValidationTests
{
    private const string Key = WireMockTestBase.ApiKey;

    public static TheoryData<string> BadKeys() => new()
    {
        Key + "\n",
        Key + "\r\n",
        Key + "\0",
        Key + "\t",
        Key + " ",
        " " + Key,
        "dm_live_ab cd",
        "dm_live_\u0001abc",
        "dm_live_\u007fabc",
        "dm_live_é0123",
        "dm_live_\u00a0abc",
    };

    [Theory]
    [MemberData(nameof(BadKeys))]
    public void Create_rejects_an_API_key_with_control_characters_whitespace_or_non_ASCII(string apiKey)
    {
        var error = Assert.Throws<ArgumentException>(() => DocMapClient.Create(apiKey));

        Assert.Equal("apiKey", error.ParamName);
        Assert.Contains("ApiKey", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("dm_live_", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("0123456789abcdef", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(BadKeys))]
    public void AddDocMapClient_start_up_validation_rejects_an_API_key_with_control_characters_whitespace_or_non_ASCII(string apiKey)
    {
        var services = new ServiceCollection();
        services.AddDocMapClient(o => o.ApiKey = apiKey);
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("ApiKey", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("dm_live_", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("0123456789abcdef", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Key)]
    [InlineData("test-key_with.punctuation!~")]
    public void Printable_ASCII_keys_are_accepted(string apiKey)
    {
        Assert.NotNull(DocMapClient.Create(apiKey));
        var services = new ServiceCollection();
        services.AddDocMapClient(o => o.ApiKey = apiKey);
        using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<IStartupValidator>().Validate();
    }
}
