using Microsoft.Extensions.Options;

namespace DocMap.Client.Signatures.AspNetCore.Internal;

/// <summary>
/// Validates <see cref="DocMapWebhookOptions"/> at start-up and on every reload, naming each bad setting by the
/// configuration path the options were bound from (and a secret by its index), never a value.
/// </summary>
internal sealed class DocMapWebhookOptionsValidator : IValidateOptions<DocMapWebhookOptions>
{
    private readonly string? _configurationPath;

    /// <param name="configurationPath">The bound section's path; <see langword="null"/> when the options are set in code.</param>
    public DocMapWebhookOptionsValidator(string? configurationPath)
    {
        _configurationPath = configurationPath;
    }

    public ValidateOptionsResult Validate(string? name, DocMapWebhookOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate(_configurationPath);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
