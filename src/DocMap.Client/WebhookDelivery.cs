using System.Globalization;
using System.Text.Json.Serialization;

namespace DocMap.Client;

/// <summary>
/// One attempt by DocMap to deliver an event to a webhook. When reading JSON, <c>httpStatus</c> and <c>error</c> may be
/// omitted (they read as <see langword="null"/>); every other member is required.
/// </summary>
/// <remarks>
/// The SDK creates instances when it reads a response (so members DocMap adds later can be added here without breaking
/// your code); build one in your tests with <see cref="DocMapModelFactory.WebhookDelivery"/>. Equality is reference
/// equality: compare <see cref="Id"/>.
/// </remarks>
public sealed class WebhookDelivery
{
    [JsonConstructor]
    internal WebhookDelivery()
    {
    }

    /// <summary>The delivery's id.</summary>
    public required string Id { get; init; }

    /// <summary>The id of the user that owns the webhook.</summary>
    public required string UserId { get; init; }

    /// <summary>The webhook's id.</summary>
    public required string WebhookId { get; init; }

    /// <summary>The extraction the event is about.</summary>
    public required string ExtractionId { get; init; }

    /// <summary>The event type.</summary>
    public required WebhookEventType Event { get; init; }

    /// <summary>The URL the delivery was POSTed to.</summary>
    public required string Url { get; init; }

    /// <summary><see cref="DeliveryStatus.Success"/> when the endpoint answered 2xx, else <see cref="DeliveryStatus.Failed"/>.</summary>
    public required DeliveryStatus Status { get; init; }

    /// <summary>The endpoint's HTTP status, or <see langword="null"/> when no response arrived (or the key was omitted).</summary>
    public int? HttpStatus { get; init; }

    /// <summary>What went wrong, or <see langword="null"/> (also when the key was omitted).</summary>
    public string? Error { get; init; }

    /// <summary>How long the attempt took, in milliseconds.</summary>
    public required int DurationMs { get; init; }

    /// <summary>When the attempt was made.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Prints every member on one line.</summary>
    /// <returns>A one-line description.</returns>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"WebhookDelivery {{ Id = {Id}, UserId = {UserId}, WebhookId = {WebhookId}, ExtractionId = {ExtractionId}, Event = {Event}, Url = {Url}, Status = {Status}, HttpStatus = {HttpStatus}, Error = {Error}, DurationMs = {DurationMs}, CreatedAt = {CreatedAt:O} }}");
}
