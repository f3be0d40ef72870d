using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace DocMap.Client.Redis.Internal;

/// <summary>Validates <see cref="DocMapRedisInboxOptions"/>; its messages name the setting, never the configuration string.</summary>
internal sealed class RedisInboxOptionsValidator : IValidateOptions<DocMapRedisInboxOptions>
{
    internal static readonly TimeSpan MaxOperationTimeout = TimeSpan.FromMinutes(5);

    public ValidateOptionsResult Validate(string? name, DocMapRedisInboxOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (KeyPrefixProblem(options.KeyPrefix) is { } prefix)
        {
            failures.Add(prefix);
        }

        if (options.OperationTimeout < TimeSpan.FromMilliseconds(1) || options.OperationTimeout > MaxOperationTimeout)
        {
            failures.Add("DocMapRedisInboxOptions.OperationTimeout must be between 1 millisecond and 5 minutes.");
        }

        if (options.Configuration is not null && ConfigurationProblem(options.Configuration) is { } configuration)
        {
            failures.Add(configuration);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>What is wrong with <paramref name="prefix"/>, or <see langword="null"/> when it is valid.</summary>
    internal static string? KeyPrefixProblem(string? prefix)
    {
        if (string.IsNullOrEmpty(prefix) || prefix.Length > DocMapRedisInboxOptions.MaxKeyPrefixLength)
        {
            return $"DocMapRedisInboxOptions.KeyPrefix must be 1 to {DocMapRedisInboxOptions.MaxKeyPrefixLength} characters long.";
        }

        foreach (var c in prefix)
        {
            if (c is <= ' ' or > '~')
            {
                return "DocMapRedisInboxOptions.KeyPrefix must contain only printable ASCII characters and no spaces.";
            }
        }

        // Redis hashes the part between the first '{' and the first '}' after it, when that part is not empty. The tag
        // must close inside the prefix: otherwise the message id appended to it would choose the slot.
        var open = prefix.IndexOf('{', StringComparison.Ordinal);
        var close = open < 0 ? -1 : prefix.IndexOf('}', open + 1);
        if (open < 0 || close < 0 || close == open + 1)
        {
            return "DocMapRedisInboxOptions.KeyPrefix must contain a Redis hash tag, a non-empty part in braces such as " +
                "\"{myapp:inbox}:\", so that all the inbox's keys share one hash slot (the store's scripts need it on Redis Cluster).";
        }

        return null;
    }

    /// <summary>What is wrong with a configuration string, or <see langword="null"/> when it parses; never quotes the string.</summary>
    internal static string? ConfigurationProblem(string configuration)
    {
        if (string.IsNullOrWhiteSpace(configuration))
        {
            return "DocMapRedisInboxOptions.Configuration must not be empty (leave it null to use the IConnectionMultiplexer registered in the services).";
        }

        ConfigurationOptions parsed;
        try
        {
            parsed = ConfigurationOptions.Parse(configuration);
        }
        catch (ArgumentException e)
        {
            // The parser's own message may quote a value; only the keyword it names (its parameter) is repeated.
            return string.IsNullOrEmpty(e.ParamName) || e.ParamName == "configuration"
                ? "DocMapRedisInboxOptions.Configuration is not a valid StackExchange.Redis configuration string."
                : $"DocMapRedisInboxOptions.Configuration is not a valid StackExchange.Redis configuration string: its '{e.ParamName}' option is unknown or has an invalid value.";
        }

        return parsed.EndPoints.Count == 0
            ? "DocMapRedisInboxOptions.Configuration names no server (for example \"localhost:6379\")."
            : null;
    }
}
