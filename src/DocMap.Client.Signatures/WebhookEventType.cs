using System;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace DocMap.Client;

/// <summary>
/// The type of a DocMap webhook event, such as <c>extraction.completed</c>.
/// An extensible, string-backed value: the known values are static properties, and a value DocMap adds later
/// round-trips unchanged instead of failing.
/// </summary>
[JsonConverter(typeof(WebhookEventTypeJsonConverter))]
public readonly struct WebhookEventType : IEquatable<WebhookEventType>
{
    private const string ExtractionCompletedValue = "extraction.completed";
    private const string ExtractionFailedValue = "extraction.failed";

    private readonly string? _value;

    /// <summary>Creates an event type from its wire value.</summary>
    /// <param name="value">The wire value, for example <c>extraction.completed</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="value"/> is empty or white space.</exception>
    public WebhookEventType(string value)
    {
        if (value is null)
        {
            throw new ArgumentNullException(nameof(value));
        }

        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException("An event type cannot be empty.", nameof(value));
        }

        _value = value;
    }

    /// <summary><c>extraction.completed</c>: an extraction finished and its data is ready.</summary>
    public static WebhookEventType ExtractionCompleted { get; } = new(ExtractionCompletedValue);

    /// <summary><c>extraction.failed</c>: an extraction failed.</summary>
    public static WebhookEventType ExtractionFailed { get; } = new(ExtractionFailedValue);

    /// <summary>The wire value, or <see langword="null"/> for the default (empty) instance.</summary>
    public string? Value => _value;

    /// <summary><see langword="true"/> for <c>default(WebhookEventType)</c>, which carries no value and is never valid on the wire.</summary>
    public bool IsDefault => _value is null;

    /// <summary>Whether this is one of the event types this version of the SDK knows.</summary>
    public bool IsKnown => _value is ExtractionCompletedValue or ExtractionFailedValue;

    /// <summary>Converts a wire value to an event type.</summary>
    /// <param name="value">The wire value.</param>
    public static implicit operator WebhookEventType(string value) => new(value);

    /// <summary>Compares two event types by their wire value (ordinal).</summary>
    public static bool operator ==(WebhookEventType left, WebhookEventType right) => left.Equals(right);

    /// <summary>Compares two event types by their wire value (ordinal).</summary>
    public static bool operator !=(WebhookEventType left, WebhookEventType right) => !left.Equals(right);

    /// <inheritdoc />
    public bool Equals(WebhookEventType other) => string.Equals(_value, other._value, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is WebhookEventType other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => _value is null ? 0 : StringComparer.Ordinal.GetHashCode(_value);

    /// <summary>The wire value (empty for the default instance).</summary>
    public override string ToString() => _value ?? string.Empty;
}
