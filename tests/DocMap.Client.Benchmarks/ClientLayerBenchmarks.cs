using BenchmarkDotNet.Attributes;
using DocMap.Client.Internal;
using Refit;

namespace DocMap.Client.Benchmarks;

/// <summary>
/// Where the client's time goes on CreateWebhookAsync, layer by layer, over the same canned handler as
/// <see cref="ClientBenchmarks"/>: Refit alone, plus argument validation, plus the auth and timeout handlers, plus the
/// Polly handler (which POST bypasses).
/// </summary>
[MemoryDiagnoser]
public class ClientLayerBenchmarks
{
    private static readonly CreateWebhookRequest Request = new("https://example.com/webhooks/docmap", [WebhookEventType.ExtractionCompleted, WebhookEventType.ExtractionFailed]);
    private IDocMapApi _refitOnly = null!;
    private IDocMapApi _noResilience = null!;
    private IDocMapApi _full = null!;
    private IDocMapApi _validatedRefit = null!;

    [GlobalSetup]
    public void Setup()
    {
        var handler = new CannedHandler();
        var http = new HttpClient(handler, false) { BaseAddress = new Uri("https://api.docmap.io"), Timeout = Timeout.InfiniteTimeSpan };
        _refitOnly = RestService.ForGenerated<IDocMapApi>(http, DocMapPipeline.CreateRefitSettings("k"));
        _validatedRefit = new ValidatingDocMapApi(_refitOnly, DocMapClientTelemetry.Shared, http.BaseAddress);
        _noResilience = DocMapClient.Create("k", new DocMapClientOptions { UseBuiltInResilience = false }, handler);
        _full = DocMapClient.Create("k", null, handler);
    }

    [Benchmark(Baseline = true)] public Task RefitOnly() => _refitOnly.CreateWebhookAsync(Request);
    [Benchmark] public Task ValidatedRefit() => _validatedRefit.CreateWebhookAsync(Request);
    [Benchmark] public Task NoResilience() => _noResilience.CreateWebhookAsync(Request);
    [Benchmark] public Task Full() => _full.CreateWebhookAsync(Request);
}
