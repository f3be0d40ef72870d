using DocMap.Samples.Quickstart;

// Without DOCMAP_API_KEY: a local walkthrough on the DocMap emulator (no account, no network).
// With it: your webhooks and recent deliveries; `create <url>` registers a webhook.
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

var apiKey = Environment.GetEnvironmentVariable("DOCMAP_API_KEY");
var baseUrl = Environment.GetEnvironmentVariable("DOCMAP_BASE_URL");
Uri? baseAddress = null;
if (!string.IsNullOrWhiteSpace(baseUrl) && !Uri.TryCreate(baseUrl, UriKind.Absolute, out baseAddress))
{
    Console.Error.WriteLine("DOCMAP_BASE_URL must be an absolute URL, for example https://api.docmap.io.");
    return QuickstartFlow.UsageError;
}

try
{
    return await QuickstartFlow.RunAsync(args, apiKey, baseAddress, Console.Out, cancellation.Token);
}
catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
{
    Console.Error.WriteLine("Cancelled.");
    return 130;
}
