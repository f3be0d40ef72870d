using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using DocMap.Client.Signatures;
using Stripe;

namespace DocMap.Client.Benchmarks;

/// <summary>
/// Verifying one delivery: DocMap's verifier against the floor (one-shot <see cref="HMACSHA256.HashData(byte[], byte[])"/>
/// plus <see cref="CryptographicOperations.FixedTimeEquals"/> on the same bytes, with the signature already decoded)
/// and against Stripe.net's <c>EventUtility.ValidateSignature</c> (its own scheme: <c>t=&lt;unix&gt;,v1=&lt;hex&gt;</c>
/// over <c>"{t}.{payload}"</c>) on a payload of the same size.
/// Run: <c>dotnet run -c Release --project tests/DocMap.Client.Benchmarks -- --filter '*SignaturesVerify*'</c>.
/// </summary>
[MemoryDiagnoser]
public class SignaturesVerifyBenchmarks
{
    private const string SecretText = "8b0c6b1f3a5e4d2c9f7e6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d";
    private const string StripeSecret = "whsec_" + SecretText;

    // Ten years: the Stripe header's timestamp is fixed in GlobalSetup, so the tolerance must not expire during a run.
    private const long StripeTolerance = 10L * 365 * 24 * 3600;

    private byte[] _key = null!;
    private byte[] _payload = null!;
    private string _payloadText = null!;
    private ReadOnlySequence<byte> _segmented;
    private byte[] _expectedMac = null!;
    private string _header = null!;
    private string _stripeHeader = null!;
    private WebhookSignatureVerifier _verifier = null!;

    /// <summary>Body size in bytes.</summary>
    [Params(1024, 64 * 1024, 1024 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // A delivery-shaped ASCII body of exactly Size bytes (identical bytes for the string and byte paths).
        var head = "{\"event\":\"extraction.completed\",\"extractionId\":\"ext_123\",\"createdAt\":\"2025-01-20T14:30:04.000Z\",\"data\":{\"id\":\"ext_123\",\"extractedData\":{\"text\":\"";
        const string tail = "\"}}}";
        var filler = new StringBuilder(Size);
        while (filler.Length < Size - head.Length - tail.Length)
        {
            filler.Append("Lorem ipsum dolor sit amet, consectetur adipiscing elit. ");
        }

        _payloadText = head + filler.ToString(0, Size - head.Length - tail.Length) + tail;
        _payload = Encoding.UTF8.GetBytes(_payloadText);
        if (_payload.Length != Size)
        {
            throw new InvalidOperationException("payload size");
        }

        var secret = WebhookSecret.Parse(SecretText);
        _key = Encoding.UTF8.GetBytes(SecretText);
        _verifier = new WebhookSignatureVerifier(secret);
        _header = WebhookSigner.Sign(secret, _payload);
        _expectedMac = Convert.FromHexString(_header);
        _segmented = Segments.Split(_payload, 4096);

        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var stripeMac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(StripeSecret), Encoding.UTF8.GetBytes($"{timestamp}.{_payloadText}"));
        _stripeHeader = $"t={timestamp},v1={Convert.ToHexStringLower(stripeMac)}";

        // Every benchmark must be measuring a successful verification.
        if (!Floor() || !DocMapVerifyBytes() || !DocMapVerifyString() || !DocMapVerifySequence() || !StripeValidateSignature())
        {
            throw new InvalidOperationException("A benchmark does not verify its own payload.");
        }
    }

    [Benchmark(Baseline = true, Description = "Floor: HMACSHA256.HashData + FixedTimeEquals")]
    public bool Floor()
    {
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_key, _payload, mac);
        return CryptographicOperations.FixedTimeEquals(mac, _expectedMac);
    }

    [Benchmark(Description = "DocMap Verify(ReadOnlySpan<byte>)")]
    public bool DocMapVerifyBytes() => _verifier.Verify(_payload, _header).IsValid;

    [Benchmark(Description = "DocMap Verify(string)")]
    public bool DocMapVerifyString() => _verifier.Verify(_payloadText, _header).IsValid;

    [Benchmark(Description = "DocMap Verify(ReadOnlySequence, 4 KiB segments)")]
    public bool DocMapVerifySequence() => _verifier.Verify(_segmented, _header).IsValid;

    [Benchmark(Description = "Stripe.net EventUtility.ValidateSignature")]
    public bool StripeValidateSignature()
    {
        EventUtility.ValidateSignature(_payloadText, _stripeHeader, StripeSecret, StripeTolerance);
        return true;
    }

    private sealed class Segments : ReadOnlySequenceSegment<byte>
    {
        private Segments(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public static ReadOnlySequence<byte> Split(byte[] data, int segmentSize)
        {
            var first = new Segments(data.AsMemory(0, Math.Min(segmentSize, data.Length)), 0);
            var last = first;
            for (var offset = last.Memory.Length; offset < data.Length; offset += segmentSize)
            {
                var next = new Segments(data.AsMemory(offset, Math.Min(segmentSize, data.Length - offset)), offset);
                last.Next = next;
                last = next;
            }

            return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
        }
    }
}
