namespace DocMap.Client.Testing;

/// <summary>The body of a successful <c>DELETE /v1/webhooks/{id}</c>: <c>{"success":true}</c>.</summary>
internal sealed class SuccessDto
{
    public bool Success { get; init; } = true;
}
