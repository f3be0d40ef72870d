using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace DocMap.Client.Signatures.AspNetCore.Internal;

/// <summary>One consistent snapshot of the settings, with the verifier built from them.</summary>
internal sealed class DocMapWebhookSettings
{
    private DocMapWebhookSettings(DocMapWebhookSettings same, DocMapWebhookOptions source)
    {
        Source = source;
        Verifier = same.Verifier;
        MaxBodyBytes = same.MaxBodyBytes;
        KeyFingerprints = same.KeyFingerprints;
        _secretTexts = same._secretTexts;
    }

    public DocMapWebhookSettings(DocMapWebhookOptions source)
    {
        Source = source;
        var secrets = new WebhookSecret[source.Secrets.Count];
        for (var i = 0; i < secrets.Length; i++)
        {
            // Validation has run (the monitor only hands out validated options), so Parse cannot fail here.
            secrets[i] = WebhookSecret.Parse(source.Secrets[i]);
        }

        Verifier = new WebhookSignatureVerifier(
            new WebhookSignatureOptions
            {
                HeaderName = source.HeaderName,
                KeyDerivation = source.KeyDerivation,
                MaxSignaturesPerHeader = source.MaxSignaturesPerHeader,
            },
            secrets);
        MaxBodyBytes = source.MaxBodyBytes;
        KeyFingerprints = string.Join(",", secrets.Select(s => s.Fingerprint));
        _secretTexts = [.. source.Secrets];
    }

    // The secrets as configured (WebhookSecret does not expose its text); the scheme options live in Verifier.Options.
    private readonly string[] _secretTexts;

    /// <summary>Whether <paramref name="options"/> would build the same verifier and limits as this snapshot.</summary>
    public bool SameContents(DocMapWebhookOptions options) =>
        options.Secrets.SequenceEqual(_secretTexts, StringComparer.Ordinal) &&
        string.Equals(options.HeaderName, HeaderName, StringComparison.Ordinal) &&
        options.KeyDerivation == Verifier.Options.KeyDerivation &&
        options.MaxSignaturesPerHeader == Verifier.Options.MaxSignaturesPerHeader &&
        options.MaxBodyBytes == MaxBodyBytes;

    /// <summary>This snapshot (same verifier) recorded against a new, equal options instance.</summary>
    public DocMapWebhookSettings WithSource(DocMapWebhookOptions source) => new(this, source);

    /// <summary>The options instance this snapshot was built from (compared by reference to detect a change).</summary>
    public DocMapWebhookOptions Source { get; }

    public WebhookSignatureVerifier Verifier { get; }

    public string HeaderName => Verifier.Options.HeaderName;

    public long MaxBodyBytes { get; }

    /// <summary>The configured keys' fingerprints, comma-separated: safe to log.</summary>
    public string KeyFingerprints { get; }
}

/// <summary>
/// Reads <see cref="DocMapWebhookOptions"/> through <see cref="IOptionsMonitor{TOptions}"/> on every request and
/// keeps the verifier built from them, rebuilding it only when the options instance changes (a configuration reload).
/// A reload that fails validation is logged and the previous secrets stay in force.
/// </summary>
internal sealed class DocMapWebhookRuntime : IDisposable
{
    private readonly IOptionsMonitor<DocMapWebhookOptions> _monitor;
    private readonly ILogger _logger;
    private readonly List<IDisposable> _subscriptions = [];
    private DocMapWebhookSettings? _settings;
    private int _changeCount;
    private int _failedAtChange = -1;

    public DocMapWebhookRuntime(
        IOptionsMonitor<DocMapWebhookOptions> monitor,
        IEnumerable<IOptionsChangeTokenSource<DocMapWebhookOptions>> changeSources,
        ILoggerFactory loggerFactory)
    {
        _monitor = monitor;
        _logger = loggerFactory.CreateLogger("DocMap.Client.Signatures.AspNetCore");
        foreach (var source in changeSources)
        {
            if (source.Name == Options.DefaultName)
            {
                _subscriptions.Add(ChangeToken.OnChange(source.GetChangeToken, () => Interlocked.Increment(ref _changeCount)));
            }
        }
    }

    public ILogger Logger => _logger;

    /// <summary>The current settings. Cheap: one options-cache lookup and a reference comparison.</summary>
    public DocMapWebhookSettings Current
    {
        get
        {
            var settings = Volatile.Read(ref _settings);
            if (settings is not null && Volatile.Read(ref _failedAtChange) == Volatile.Read(ref _changeCount))
            {
                // The last reload was rejected and the configuration has not changed since: keep the previous secrets.
                return settings;
            }

            DocMapWebhookOptions options;
            var change = Volatile.Read(ref _changeCount);
            try
            {
                options = _monitor.CurrentValue;
            }
            catch (Exception ex) when (settings is not null && ex is OptionsValidationException or InvalidOperationException)
            {
                if (Interlocked.Exchange(ref _failedAtChange, change) != change)
                {
                    DocMapWebhookLog.ReloadRejected(_logger, DescribeFailure(ex), settings.KeyFingerprints);
                }

                return settings;
            }

            if (settings is not null && ReferenceEquals(settings.Source, options))
            {
                return settings;
            }

            if (settings is not null && settings.SameContents(options))
            {
                // A reload that changed nothing this endpoint uses (another key, or the same values again): keep the
                // verifier, only remember the new instance so the next request takes the cheap path.
                Interlocked.CompareExchange(ref _settings, settings.WithSource(options), settings);
                Volatile.Write(ref _failedAtChange, -1);
                return settings;
            }

            var rebuilt = new DocMapWebhookSettings(options);
            var previous = Interlocked.Exchange(ref _settings, rebuilt);
            Volatile.Write(ref _failedAtChange, -1);
            if (previous is not null && !previous.SameContents(options))
            {
                DocMapWebhookLog.SettingsReloaded(_logger, options.Secrets.Count, rebuilt.KeyFingerprints);
            }

            return rebuilt;
        }
    }

    /// <summary>
    /// What went wrong, without any configuration value: validation messages name settings only (the validator
    /// never quotes a value); a binding failure is described by path and exception type; anything else (a binder
    /// message echoes the value it could not convert) by its type name alone.
    /// </summary>
    internal static string DescribeFailure(Exception ex) => ex switch
    {
        OptionsValidationException or DocMapWebhookBindingException => ex.Message,
        _ => $"the settings could not be read ({ex.GetType().Name})",
    };

    public void Dispose()
    {
        foreach (var subscription in _subscriptions)
        {
            subscription.Dispose();
        }
    }
}
