using System.Text.RegularExpressions;

namespace DocMap.Cli.Infrastructure;

/// <summary>
/// Removes credentials from text that is about to be printed as an error or a debug line: the API key and webhook
/// secret this invocation knows (from options or the environment), anything shaped like a DocMap API key
/// (<c>dm_live_…</c>, <c>dm_test_…</c>) and any run of 64 hex characters (a webhook secret's shape).
/// Results (a created webhook's secret, a signature) are never passed through here: they are printed because they were asked for.
/// </summary>
internal sealed partial class Redactor
{
    public const string Mask = "[redacted]";

    private readonly List<string> _known = [];

    /// <summary>Adds a value that must never be printed (ignored when null or shorter than 4 characters).</summary>
    public void Add(string? secret)
    {
        if (secret is { Length: >= 4 } && !_known.Contains(secret, StringComparer.Ordinal))
        {
            _known.Add(secret);
            var trimmed = secret.Trim();
            if (trimmed.Length >= 4 && trimmed != secret)
            {
                _known.Add(trimmed);
            }
        }
    }

    public string Redact(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? string.Empty;
        }

        foreach (var secret in _known.OrderByDescending(s => s.Length))
        {
            text = text.Replace(secret, Mask, StringComparison.Ordinal);
        }

        text = ApiKeyShape().Replace(text, Mask);
        return SecretShape().Replace(text, Mask);
    }

    [GeneratedRegex(@"dm_[A-Za-z]+_[!-~]*", RegexOptions.CultureInvariant)]
    private static partial Regex ApiKeyShape();

    [GeneratedRegex(@"(?<![0-9A-Fa-f])[0-9A-Fa-f]{64}(?![0-9A-Fa-f])", RegexOptions.CultureInvariant)]
    private static partial Regex SecretShape();
}
