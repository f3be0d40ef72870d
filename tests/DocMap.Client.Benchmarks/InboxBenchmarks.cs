using BenchmarkDotNet.Attributes;
using DocMap.Client.Signatures;
using DocMap.Client.Signatures.AspNetCore;
using DocMap.Client.Signatures.AspNetCore.Inbox;
using DocMap.Client.Signatures.AspNetCore.Internal.Inbox;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DocMap.Client.Benchmarks;

/// <summary>
/// The inbox's own cost per delivery, in process (no sockets, no HTTP parsing), against a store that does nothing, so
/// the figures are the SDK's work only: accepting (verify, dedupe key, message, store call, 200) against the plain
/// verified endpoint (verify, handler inline, 200); and one background attempt of a delegate and of a class handler
/// (scope, synthetic HttpContext or handler resolution, parse, run, settle).
/// </summary>
[MemoryDiagnoser]
public class InboxBenchmarks
{
    private WebApplication _plainApp = null!;
    private WebApplication _inboxApp = null!;
    private RequestDelegate _plain = null!;
    private RequestDelegate _accept = null!;
    private InboxAttemptRunner _runner = null!;
    private InboxLease _delegateLease = null!;
    private InboxLease _classLease = null!;
    private byte[] _body = null!;
    private string _signature = null!;

    /// <summary>Builds both apps (the inbox's workers stopped) and the leases the attempts run.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _body = AspNetCoreWebhookApp.Body(1024);
        _signature = WebhookSigner.Sign(AspNetCoreWebhookApp.Secret, _body);
        _plainApp = Build(inbox: false);
        _inboxApp = Build(inbox: true);
        _inboxApp.StartAsync().GetAwaiter().GetResult();
        _inboxApp.Services.GetRequiredService<InboxWorker>().StopAsync(CancellationToken.None).GetAwaiter().GetResult();
        _plain = InProcessDelivery.Endpoint(_plainApp, "/delegate");
        _accept = InProcessDelivery.Endpoint(_inboxApp, "/delegate");
        _runner = _inboxApp.Services.GetRequiredService<InboxAttemptRunner>();
        _inboxApp.Services.GetRequiredService<InboxEndpointRegistry>().EnsureBuilt();
        _delegateLease = Lease("/delegate");
        _classLease = Lease("/class");
        if (Run(_plain).GetAwaiter().GetResult() != 200 || Run(_accept).GetAwaiter().GetResult() != 200)
        {
            throw new InvalidOperationException("The benchmark endpoints do not answer 200.");
        }
    }

    /// <summary>Disposes the apps.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _inboxApp.StopAsync().GetAwaiter().GetResult();
        _inboxApp.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _plainApp.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>The verified endpoint without the inbox: the (no-op) handler runs inside the request.</summary>
    [Benchmark(Baseline = true)]
    public Task<int> Plain() => Run(_plain);

    /// <summary>The same endpoint with the inbox: the delivery is recorded (in a store that does nothing) and answered 200.</summary>
    [Benchmark]
    public Task<int> Accept() => Run(_accept);

    /// <summary>One background attempt of the delegate handler, completed.</summary>
    [Benchmark]
    public async Task AttemptDelegate()
    {
        using var attempt = new InboxAttempt(_delegateLease, CancellationToken.None);
        await _runner.RunAsync(attempt);
    }

    /// <summary>One background attempt of the class handler, completed.</summary>
    [Benchmark]
    public async Task AttemptClass()
    {
        using var attempt = new InboxAttempt(_classLease, CancellationToken.None);
        await _runner.RunAsync(attempt);
    }

    private InboxLease Lease(string route) => new()
    {
        Message = new InboxMessage
        {
            Id = InboxMessageIds.ForBody(_body),
            Endpoint = route,
            EventType = "extraction.completed",
            ExtractionId = "ext_0123456789",
            Body = _body,
            AcceptedAt = DateTimeOffset.UtcNow,
        },
        Attempt = 1,
        Token = "t",
        Owner = "bench",
        ExpiresAt = DateTimeOffset.UtcNow.AddYears(1),
    };

    private static WebApplication Build(bool inbox)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["DocMap:Webhooks:Secrets:0"] = AspNetCoreWebhookApp.SecretText });
        builder.Services.AddDocMapWebhooks(builder.Configuration.GetSection(DocMapWebhookOptions.SectionName));
        if (inbox)
        {
            builder.Services.AddDocMapWebhookInbox().UseStore(_ => new NullStore());
        }

        var app = builder.Build();
        var counter = new long[1];
        app.MapDocMapWebhooks("/delegate", (WebhookEvent webhook) =>
        {
            if (webhook.ExtractionId is not null)
            {
                Interlocked.Increment(ref counter[0]);
            }
        });
        app.MapDocMapWebhooks<NoOpHandler>("/class");
        return app;
    }

    private Task<int> Run(RequestDelegate endpoint) =>
        InProcessDelivery.SendAsync((endpoint == _plain ? _plainApp : _inboxApp).Services, endpoint, _body, _signature);

    /// <summary>A handler class that does nothing.</summary>
    public sealed class NoOpHandler : DocMapWebhookHandler;

    /// <summary>A store that records nothing and settles everything at once.</summary>
    private sealed class NullStore : IDocMapWebhookInboxStore
    {
        private static readonly Task<bool> True = Task.FromResult(true);

        public Task<bool> TryAcceptAsync(InboxMessage message, CancellationToken cancellationToken) => True;

        public Task<bool> ExistsAsync(string id, CancellationToken cancellationToken) => True;

        public Task<IReadOnlyList<InboxLease>> LeaseAsync(string owner, int maxCount, TimeSpan leaseDuration, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<InboxLease>>([]);

        public Task<bool> RenewAsync(InboxLease lease, TimeSpan leaseDuration, CancellationToken cancellationToken) => True;

        public Task<bool> CompleteAsync(InboxLease lease, CancellationToken cancellationToken) => True;

        public Task<bool> RetryAsync(InboxLease lease, DateTimeOffset dueAt, InboxFailure failure, CancellationToken cancellationToken) => True;

        public Task<bool> DeadLetterAsync(InboxLease lease, InboxFailure failure, CancellationToken cancellationToken) => True;

        public Task<bool> ReleaseAsync(InboxLease lease, CancellationToken cancellationToken) => True;

        public Task<InboxRecord?> GetAsync(string id, CancellationToken cancellationToken) => Task.FromResult<InboxRecord?>(null);

        public Task<IReadOnlyList<InboxRecord>> ListDeadLettersAsync(int limit, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<InboxRecord>>([]);

        public Task<bool> RequeueAsync(string id, CancellationToken cancellationToken) => True;

        public Task<InboxStats> GetStatsAsync(CancellationToken cancellationToken) => Task.FromResult(new InboxStats());

        public Task<long> PurgeExpiredAsync(CancellationToken cancellationToken) => Task.FromResult(0L);
    }
}
