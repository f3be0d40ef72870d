using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace DocMap.Client.Signatures.AspNetCore.Internal;

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
        ILoggerFactory loggerFactory,
        DocMapWebhookInstruments instruments,
        TimeProvider? timeProvider = null)
    {
        _monitor = monitor;
        Instruments = instruments;
        TimeProvider = timeProvider ?? TimeProvider.System;
        _logger = loggerFactory.CreateLogger("DocMap.Client.Signatures.AspNetCore");
        foreach (var source in changeSources)
        {
            if (source.Name == Options.DefaultName)
            {
                _subscriptions.Add(ChangeToken.OnChange(source.GetChangeToken, () => Interlocked.Increment(ref _changeCount)));
            }
        }

        // The token callbacks above and the monitor's own (which drops its cached value and reads the new options) run
        // one after the other, in either order. When ours runs first, a request in between still gets the monitor's
        // cached failure of an earlier rejected reload and would mark this change as rejected too, so the corrected
        // settings would be ignored until the next change. The monitor reports every options value it has read and
        // validated, after caching it: counting that as a change as well sends the next request back to the monitor.
        if (monitor.OnChange((_, name) =>
            {
                if (name is null || name == Options.DefaultName)
                {
                    Interlocked.Increment(ref _changeCount);
                }
            }) is { } listener)
        {
            _subscriptions.Add(listener);
        }
    }

    public ILogger Logger => _logger;

    /// <summary>The receiver's span source and instruments (on the app's <c>IMeterFactory</c>).</summary>
    public DocMapWebhookInstruments Instruments { get; }

    /// <summary>The clock of the body-read deadline: the app's <see cref="System.TimeProvider"/> when it registers one.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>The registered runtime, or a clear error when <c>AddDocMapWebhooks</c> was not called.</summary>
    public static DocMapWebhookRuntime From(IServiceProvider services) =>
        services.GetService<DocMapWebhookRuntime>() ??
        throw new InvalidOperationException(
            "DocMap webhooks are not registered: call services.AddDocMapWebhooks(...) (for example with builder.Configuration.GetSection(DocMapWebhookOptions.SectionName)) before mapping or requiring them.");

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
