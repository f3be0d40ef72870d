using System.Globalization;
using System.Text.Json.Serialization;

namespace DocMap.Client;

/// <summary>A registered webhook, as DocMap returns it (never with its secret).</summary>
/// <remarks>
/// The SDK creates instances when it reads a response (so members DocMap adds later can be added here without breaking
/// your code); build one in your tests with <see cref="DocMapModelFactory.Webhook"/>. Equality is reference equality:
/// compare <see cref="Id"/>.
/// </remarks>
public sealed class Webhook
{
    [JsonConstructor]
    internal Webhook()
    {
    }

    /// <summary>The webhook's id.</summary>
    public required string Id { get; init; }

    /// <summary>The id of the user that owns it.</summary>
    public required string UserId { get; init; }

    /// <summary>The URL deliveries are POSTed to.</summary>
    public required string Url { get; init; }

    /// <summary>The event types it receives.</summary>
    public required IReadOnlyList<WebhookEventType> Events { get; init; }

    /// <summary>Whether it is active.</summary>
    public required bool Active { get; init; }

    /// <summary>When it was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Prints the webhook with its event types listed.</summary>
    /// <returns>A one-line description.</returns>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"Webhook {{ Id = {Id}, UserId = {UserId}, Url = {Url}, Events = [{string.Join(", ", Events ?? [])}], Active = {Active}, CreatedAt = {CreatedAt:O} }}");
}
