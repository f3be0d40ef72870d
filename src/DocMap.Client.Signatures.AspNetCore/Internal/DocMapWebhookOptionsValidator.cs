using System.Globalization;
using Microsoft.Extensions.Options;

namespace DocMap.Client.Signatures.AspNetCore.Internal;

/// <summary>
/// Validates <see cref="DocMapWebhookOptions"/>. Every message names the setting (and the index of a secret) and
/// never a secret's value.
/// </summary>
internal sealed class DocMapWebhookOptionsValidator : IValidateOptions<DocMapWebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, DocMapWebhookOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var path = options.SettingsPath;
        List<string>? failures = null;

        if (options.Secrets.Count == 0)
        {
            Add(ref failures, $"{path}:Secrets: at least one webhook secret is required (64 hexadecimal characters, as DocMap returned it when the webhook was created).");
        }

        for (var i = 0; i < options.Secrets.Count; i++)
        {
            if (!WebhookSecret.TryParse(options.Secrets[i], out _))
            {
                var what = string.IsNullOrEmpty(options.Secrets[i]) ? "is empty" : "is not a valid webhook secret";
                Add(ref failures, string.Create(
                    CultureInfo.InvariantCulture,
                    $"{path}:Secrets:{i} {what}: a secret is exactly {WebhookSecret.Length} hexadecimal characters (the value is not shown)."));
            }
        }

        if (options.MaxBodyBytes < 1 || options.MaxBodyBytes > DocMapWebhookOptions.MaxBodyBytesLimit)
        {
            Add(ref failures, string.Create(
                CultureInfo.InvariantCulture,
                $"{path}:MaxBodyBytes must be between 1 and {DocMapWebhookOptions.MaxBodyBytesLimit} (the value is not shown)."));
        }

        if (string.IsNullOrWhiteSpace(options.HeaderName))
        {
            Add(ref failures, $"{path}:HeaderName must not be empty.");
        }

        if (options.KeyDerivation is not (WebhookKeyDerivation.Utf8Text or WebhookKeyDerivation.HexDecoded))
        {
            Add(ref failures, $"{path}:KeyDerivation must be {nameof(WebhookKeyDerivation.Utf8Text)} or {nameof(WebhookKeyDerivation.HexDecoded)}.");
        }

        if (options.MaxSignaturesPerHeader < 1)
        {
            Add(ref failures, string.Create(
                CultureInfo.InvariantCulture,
                $"{path}:MaxSignaturesPerHeader must be at least 1 (the value is not shown)."));
        }

        return failures is null ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Add(ref List<string>? failures, string message) => (failures ??= []).Add(message);
}
