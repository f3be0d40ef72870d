using DocMap.Client.Signatures;

namespace DocMap.Client.Testing;

/// <summary>A registered webhook: what DocMap stores, including the secret that signs its deliveries.</summary>
internal sealed class WebhookState(string id, string url, string[] events, WebhookSecret secret, string createdAt)
{
    public string Id { get; } = id;

    public string Url { get; } = url;

    public string[] Events { get; } = events;

    public WebhookSecret Secret { get; } = secret;

    public string CreatedAt { get; } = createdAt;

    public bool IsSubscribedTo(string eventType) => Array.IndexOf(Events, eventType) >= 0;

    public WebhookDto ToDto(string userId) => new()
    {
        Id = Id,
        UserId = userId,
        Url = Url,
        Events = Events,
        Active = true, // a deleted webhook is removed, so every stored one is active
        CreatedAt = CreatedAt,
    };
}
