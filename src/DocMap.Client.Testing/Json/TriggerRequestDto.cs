using System.Text.Json;

namespace DocMap.Client.Testing;

/// <summary>The body of <c>POST /_emulator/trigger</c>. Unknown members are ignored.</summary>
internal sealed class TriggerRequestDto
{
    public string? Event { get; init; }

    public string? ExtractionId { get; init; }

    public JsonElement? Data { get; init; }

    public string? WebhookId { get; init; }
}
