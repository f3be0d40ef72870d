using Microsoft.AspNetCore.Http.Features;

namespace DocMap.Client.Benchmarks;

/// <summary>
/// The response feature of the in-process benchmarks: keeps the <c>OnCompleted</c> callbacks and runs them, last
/// registered first, when the benchmark completes the response as a server does (RegisterForDispose returns pooled
/// buffers there).
/// </summary>
internal sealed class CompletingResponseFeature : HttpResponseFeature
{
    private List<(Func<object, Task> Callback, object State)>? _onCompleted;

    public override void OnCompleted(Func<object, Task> callback, object state) => (_onCompleted ??= []).Add((callback, state));

    public async Task CompleteAsync()
    {
        if (_onCompleted is null)
        {
            return;
        }

        for (var i = _onCompleted.Count - 1; i >= 0; i--)
        {
            await _onCompleted[i].Callback(_onCompleted[i].State);
        }
    }
}
