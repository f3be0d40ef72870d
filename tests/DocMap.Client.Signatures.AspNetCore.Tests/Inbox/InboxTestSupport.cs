using System.Collections.Concurrent;
using System.Diagnostics;
using DocMap.Client.Signatures.AspNetCore.Inbox;
using DocMap.Client.Signatures.AspNetCore.Internal.Inbox;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace DocMap.Client.Signatures.AspNetCore.Tests.Inbox;

/// <summary>A store decorator that can fail or hang chosen operations, and records which operations ran.</summary>
internal sealed class FaultyStore(IDocMapWebhookInboxStore inner) : IDocMapWebhookInboxStore
{
    private readonly ConcurrentQueue<string> _calls = new();
    private readonly ConcurrentQueue<Action<Exception>> _hung = new();

    public IDocMapWebhookInboxStore Inner => inner;

    /// <summary>Returns the exception an operation (by method name without "Async") throws, or null to let it run.</summary>
    public Func<string, Exception?>? Fault { get; set; }

    /// <summary>When set, TryAccept never completes (and ignores its cancellation token).</summary>
    public bool HangAccepts { get; set; }

    /// <summary>When set, GetStats never completes (and ignores its cancellation token).</summary>
    public bool HangStats { get; set; }

    /// <summary>When set, Renew answers false without asking the store, as a store does once another worker took the message over.</summary>
    public bool RefuseRenewals { get; set; }

    public IReadOnlyList<string> Calls => [.. _calls];

    public int Count(string operation) => _calls.Count(c => c == operation);

    public Task<bool> TryAcceptAsync(InboxMessage message, CancellationToken cancellationToken)
    {
        Check("TryAccept");
        return HangAccepts ? Hang<bool>() : inner.TryAcceptAsync(message, cancellationToken);
    }

    public Task<bool> ExistsAsync(string id, CancellationToken cancellationToken) => Run("Exists", () => inner.ExistsAsync(id, cancellationToken));

    public Task<IReadOnlyList<InboxLease>> LeaseAsync(string owner, int maxCount, TimeSpan leaseDuration, CancellationToken cancellationToken) =>
        Run("Lease", () => inner.LeaseAsync(owner, maxCount, leaseDuration, cancellationToken));

    public Task<bool> RenewAsync(InboxLease lease, TimeSpan leaseDuration, CancellationToken cancellationToken) =>
        Run("Renew", () => RefuseRenewals ? Task.FromResult(false) : inner.RenewAsync(lease, leaseDuration, cancellationToken));

    public Task<bool> CompleteAsync(InboxLease lease, CancellationToken cancellationToken) => Run("Complete", () => inner.CompleteAsync(lease, cancellationToken));

    public Task<bool> RetryAsync(InboxLease lease, DateTimeOffset dueAt, InboxFailure failure, CancellationToken cancellationToken) =>
        Run("Retry", () => inner.RetryAsync(lease, dueAt, failure, cancellationToken));

    public Task<bool> DeadLetterAsync(InboxLease lease, InboxFailure failure, CancellationToken cancellationToken) =>
        Run("DeadLetter", () => inner.DeadLetterAsync(lease, failure, cancellationToken));

    public Task<bool> ReleaseAsync(InboxLease lease, CancellationToken cancellationToken) => Run("Release", () => inner.ReleaseAsync(lease, cancellationToken));

    public Task<InboxRecord?> GetAsync(string id, CancellationToken cancellationToken) => Run("Get", () => inner.GetAsync(id, cancellationToken));

    public Task<IReadOnlyList<InboxRecord>> ListDeadLettersAsync(int limit, CancellationToken cancellationToken) =>
        Run("ListDeadLetters", () => inner.ListDeadLettersAsync(limit, cancellationToken));

    public Task<bool> RequeueAsync(string id, CancellationToken cancellationToken) => Run("Requeue", () => inner.RequeueAsync(id, cancellationToken));

    public Task<InboxStats> GetStatsAsync(CancellationToken cancellationToken) =>
        Run("GetStats", () => HangStats ? Hang<InboxStats>() : inner.GetStatsAsync(cancellationToken));

    /// <summary>Fails every hung call so far with <paramref name="exception"/>, as a store that ignored its token and gave up later does, and forgets them.</summary>
    public void FailHungCalls(Exception exception)
    {
        while (_hung.TryDequeue(out var fail))
        {
            fail(exception);
        }
    }

    private Task<T> Hang<T>()
    {
        var call = new TaskCompletionSource<T>();
        _hung.Enqueue(e => call.TrySetException(e));
        return call.Task;
    }

    public Task<long> PurgeExpiredAsync(CancellationToken cancellationToken) => Run("PurgeExpired", () => inner.PurgeExpiredAsync(cancellationToken));

    private Task<T> Run<T>(string operation, Func<Task<T>> call)
    {
        Check(operation);
        return call();
    }

    private void Check(string operation)
    {
        _calls.Enqueue(operation);
        if (Fault?.Invoke(operation) is { } exception)
        {
            throw exception;
        }
    }
}

/// <summary>Lets a test hold handlers inside their run and see them enter.</summary>
public sealed class HandlerGate
{
    private volatile TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ConcurrentQueue<string> Entered { get; } = new();

    public ConcurrentQueue<string> Cancelled { get; } = new();

    public void Open() => _open.TrySetResult();

    /// <summary>Records the entry, then waits until the gate opens; with <paramref name="honourCancellation"/> the token ends the wait.</summary>
    public async Task PassAsync(string name, CancellationToken cancellationToken, bool honourCancellation = true)
    {
        Entered.Enqueue(name);
        try
        {
            await (honourCancellation ? _open.Task.WaitAsync(cancellationToken) : _open.Task);
        }
        catch (OperationCanceledException)
        {
            Cancelled.Enqueue(name);
            throw;
        }
    }
}

internal static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    public static Task TrueAsync(Func<bool> condition, string because, TimeSpan? timeout = null) =>
        TrueAsync(() => Task.FromResult(condition()), because, timeout);

    public static async Task TrueAsync(Func<Task<bool>> condition, string because, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        var limit = timeout ?? DefaultTimeout;
        while (!await condition())
        {
            if (clock.Elapsed > limit)
            {
                Assert.Fail($"Not within {limit}: {because}");
            }

            await Task.Delay(20);
        }
    }
}

/// <summary>Catches task exceptions nobody observed (reported by the finalizer of a faulted task that became garbage).</summary>
internal static class UnobservedExceptions
{
    /// <summary>
    /// Runs <paramref name="act"/>, then collects garbage (for 5 seconds at most) until a task exception whose
    /// message holds <paramref name="marker"/> is reported unobserved; returns those reported.
    /// </summary>
    public static async Task<IReadOnlyList<Exception>> ReportedAsync(string marker, Func<Task> act)
    {
        var reported = new ConcurrentQueue<Exception>();
        void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e)
        {
            foreach (var inner in e.Exception.Flatten().InnerExceptions)
            {
                if (inner.Message.Contains(marker, StringComparison.Ordinal))
                {
                    reported.Enqueue(inner);
                }
            }
        }

        TaskScheduler.UnobservedTaskException += OnUnobserved;
        try
        {
            await act();
            var clock = Stopwatch.StartNew();
            while (reported.IsEmpty && clock.Elapsed < TimeSpan.FromSeconds(5))
            {
                await Task.Delay(50);
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= OnUnobserved;
        }

        return [.. reported];
    }
}

internal static class InboxMessages
{
    public static readonly DateTimeOffset Start = new(2026, 1, 20, 14, 30, 4, TimeSpan.Zero);

    /// <summary>A delivery message as the accept path records it.</summary>
    public static InboxMessage Delivery(string extractionId, TimeProvider time, string endpoint = Deliveries.Path) => new()
    {
        Id = InboxMessageIds.ForEvent("extraction.completed", extractionId)!,
        Endpoint = endpoint,
        EventType = "extraction.completed",
        ExtractionId = extractionId,
        Body = Deliveries.Body(extractionId),
        AcceptedAt = time.GetUtcNow(),
    };
}

internal static class InboxHosts
{
    /// <summary>A Kestrel host with the secret configured and the inbox registered (on <paramref name="store"/> when given).</summary>
    public static Task<WebhookHost> StartAsync(
        string secretText,
        Action<WebApplication> map,
        Action<DocMapWebhookInboxOptions>? options = null,
        IDocMapWebhookInboxStore? store = null,
        TimeProvider? time = null,
        Action<WebApplicationBuilder>? configure = null,
        IDictionary<string, string?>? settings = null)
    {
        var all = WebhookHost.Settings(secretText);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        return WebhookHost.StartAsync(all, map, configure: builder =>
        {
            builder.Services.AddSingleton<HandlerGate>();
            if (time is not null)
            {
                builder.Services.AddSingleton(time);
            }

            var inbox = builder.Services.AddDocMapWebhookInbox(builder.Configuration, o => options?.Invoke(o));
            if (store is not null)
            {
                inbox.UseStore(_ => store);
            }

            configure?.Invoke(builder);
        });
    }

    public static IDocMapWebhookInboxStore Store(this WebhookHost host) => host.App.Services.GetRequiredService<IDocMapWebhookInboxStore>();

    public static IDocMapWebhookInbox Inbox(this WebhookHost host) => host.App.Services.GetRequiredService<IDocMapWebhookInbox>();

    internal static InboxCounters Counters(this WebhookHost host) => host.App.Services.GetRequiredService<InboxCounters>();

    public static HandlerGate Gate(this WebhookHost host) => host.App.Services.GetRequiredService<HandlerGate>();

    public static IReadOnlyList<FakeLogRecord> LogsWithId(this WebhookHost host, int eventId) =>
        [.. host.Logs.GetSnapshot().Where(r => r.Id.Id == eventId)];

    internal static InboxAttemptRunner Runner(this WebhookHost host) => host.App.Services.GetRequiredService<InboxAttemptRunner>();

    internal static InboxWorker Worker(this WebhookHost host) => host.App.Services.GetRequiredService<InboxWorker>();

    public static async Task<InboxRecord> RecordAsync(this IDocMapWebhookInboxStore store, string extractionId) =>
        await store.GetAsync(InboxMessageIds.ForEvent("extraction.completed", extractionId)!, default) ?? throw new InvalidOperationException($"no record for {extractionId}");

    /// <summary>Polls (bounded) until the record of <paramref name="extractionId"/> satisfies <paramref name="condition"/>, advancing <paramref name="time"/> by <paramref name="step"/> per poll when given.</summary>
    public static async Task<InboxRecord> WaitForAsync(this IDocMapWebhookInboxStore store, string extractionId, Func<InboxRecord, bool> condition, string because, FakeTimeProvider? time = null, TimeSpan? step = null, TimeSpan? timeout = null)
    {
        InboxRecord? last = null;
        await Eventually.TrueAsync(
            async () =>
            {
                last = await store.GetAsync(InboxMessageIds.ForEvent("extraction.completed", extractionId)!, default);
                if (last is not null && condition(last))
                {
                    return true;
                }

                time?.Advance(step ?? TimeSpan.FromMilliseconds(500));
                return false;
            },
            because,
            timeout);
        return last!;
    }
}
