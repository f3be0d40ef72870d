using System.Text.Json.Serialization;

namespace DocMap.Client;

/// <summary>
/// The outcome of a webhook delivery: <c>success</c> or <c>failed</c>.
/// An extensible, string-backed value: a value DocMap adds later round-trips unchanged instead of failing.
/// </summary>
[JsonConverter(typeof(DeliveryStatusJsonConverter))]
public readonly struct DeliveryStatus : IEquatable<DeliveryStatus>
{
    private const string SuccessValue = "success";
    private const string FailedValue = "failed";

    private readonly string? _value;

    /// <summary>Creates a status from its wire value.</summary>
    /// <param name="value">The wire value, for example <c>success</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="value"/> is empty or white space.</exception>
    public DeliveryStatus(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        _value = value;
    }

    /// <summary><c>success</c>: the endpoint answered with a 2xx status.</summary>
    public static DeliveryStatus Success { get; } = new(SuccessValue);

    /// <summary><c>failed</c>: the endpoint answered with another status, or did not answer.</summary>
    public static DeliveryStatus Failed { get; } = new(FailedValue);

    /// <summary>The wire value, or <see langword="null"/> for the default (empty) instance.</summary>
    public string? Value => _value;

    /// <summary><see langword="true"/> for <c>default(DeliveryStatus)</c>, which carries no value.</summary>
    public bool IsDefault => _value is null;

    /// <summary>Whether this is one of the statuses this version of the SDK knows.</summary>
    public bool IsKnown => _value is SuccessValue or FailedValue;

    /// <summary>Converts a wire value to a status.</summary>
    /// <param name="value">The wire value.</param>
    public static implicit operator DeliveryStatus(string value) => new(value);

    /// <summary>Compares two statuses by their wire value (ordinal).</summary>
    /// <param name="left">The first status.</param>
    /// <param name="right">The second status.</param>
    public static bool operator ==(DeliveryStatus left, DeliveryStatus right) => left.Equals(right);

    /// <summary>Compares two statuses by their wire value (ordinal).</summary>
    /// <param name="left">The first status.</param>
    /// <param name="right">The second status.</param>
    public static bool operator !=(DeliveryStatus left, DeliveryStatus right) => !left.Equals(right);

    /// <inheritdoc />
    public bool Equals(DeliveryStatus other) => string.Equals(_value, other._value, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is DeliveryStatus other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => _value is null ? 0 : StringComparer.Ordinal.GetHashCode(_value);

    /// <summary>The wire value (empty for the default instance).</summary>
    /// <returns>The wire value.</returns>
    public override string ToString() => _value ?? string.Empty;
}
