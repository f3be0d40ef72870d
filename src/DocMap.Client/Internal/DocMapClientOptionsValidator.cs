using Microsoft.Extensions.Options;

namespace DocMap.Client.Internal;

/// <summary>Validates <see cref="DocMapClientOptions"/> at start-up, naming each bad setting.</summary>
internal sealed class DocMapClientOptionsValidator : IValidateOptions<DocMapClientOptions>
{
    private readonly string? _configurationPath;

    public DocMapClientOptionsValidator(string? configurationPath)
    {
        _configurationPath = configurationPath;
    }

    public ValidateOptionsResult Validate(string? name, DocMapClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate(_configurationPath);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
